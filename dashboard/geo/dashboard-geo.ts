// The dashboard's geo parts: the read-only geo store, the geofence list it owns (or follows) and publishes, and the collectors' live events.
import type { MqttClient } from 'mqtt';
import {
  GEO_EVENTS_TOPIC,
  type GeoEventBody,
  type GeofenceBody,
  parseGeoEvent,
} from '../../core/geo-wire.js';
import type { Logger } from '../../core/log.js';
import type { GeoStore } from '../../core/store/geo-store.js';
import type { GeoConfig } from '../../geo/config.js';
import { FollowedGeofences, GeofencesElsewhereError } from '../../geofences/followed-geofences.js';
import {
  type GeofenceInput,
  GeofenceNameTakenError,
  type GeofenceStore,
} from '../../geofences/geofence-store.js';
import { GeofencePublisher } from '../../geofences/publisher.js';
import { HttpError } from '../errors.js';
import { GeoLink } from './geo-link.js';

export interface DashboardGeoDeps {
  createGeoStore: () => GeoStore;
  /** The list this dashboard owns (its state file), or a FollowedGeofences (DASHBOARD_REGISTRY=follower). */
  geofences: GeofenceStore;
  /** TRIP_* settings (track splits at TRIP_MAX_GAP_S) and the score's weights. */
  config: GeoConfig;
  log: Logger;
  now: () => number;
  retryMs: number;
}

class ConflictError extends HttpError {
  constructor(message: string) {
    super(409, 'conflict', message);
  }
}

/** Geofence writes: the store, then the retained snapshot the collectors follow. */
async function mapped<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof GeofenceNameTakenError || err instanceof GeofencesElsewhereError) {
      throw new ConflictError(err.message);
    }
    throw err;
  }
}

export class DashboardGeo {
  readonly link: GeoLink;
  private readonly publisher: GeofencePublisher;
  private readonly listeners: Array<(e: GeoEventBody) => void> = [];
  /** Events received on fleet/events (for metrics and tests). */
  eventsReceived = 0;

  constructor(readonly deps: DashboardGeoDeps) {
    this.link = new GeoLink({
      create: deps.createGeoStore,
      log: deps.log.child({ store: 'geo' }),
      retryMs: deps.retryMs,
    });
    this.publisher = new GeofencePublisher({
      store: deps.geofences,
      log: deps.log,
      now: deps.now,
    });
  }

  get config(): GeoConfig {
    return this.deps.config;
  }

  async start(): Promise<void> {
    await this.deps.geofences.start();
    await this.link.start();
  }

  /** Same tick as the session's client is created: the first CONNACK publishes or subscribes. */
  attach(client: MqttClient): void {
    const g = this.deps.geofences;
    if (g instanceof FollowedGeofences) g.attach(client);
    else this.publisher.attach(client);
    client.on('connect', () => {
      client.subscribe(GEO_EVENTS_TOPIC, { qos: 0 });
    });
    client.on('message', (topic, payload) => {
      if (topic !== GEO_EVENTS_TOPIC) return;
      const e = parseGeoEvent(payload);
      if (!e) return;
      this.eventsReceived += 1;
      for (const l of this.listeners) l(e);
    });
  }

  /** Each event a collector announces (Socket.IO `event`). */
  onEvent(listener: (e: GeoEventBody) => void): void {
    this.listeners.push(listener);
  }

  list(): Promise<GeofenceBody[]> {
    return this.deps.geofences.list();
  }

  get(id: number): Promise<GeofenceBody | undefined> {
    return this.deps.geofences.get(id);
  }

  async create(input: GeofenceInput): Promise<GeofenceBody> {
    const g = await mapped(() => this.deps.geofences.create(input));
    this.publisher.changed();
    return g;
  }

  async update(id: number, input: GeofenceInput): Promise<GeofenceBody | undefined> {
    const g = await mapped(() => this.deps.geofences.update(id, input));
    if (g) this.publisher.changed();
    return g;
  }

  async remove(id: number): Promise<boolean> {
    const removed = await mapped(() => this.deps.geofences.remove(id));
    if (removed) this.publisher.changed();
    return removed;
  }

  async stop(): Promise<void> {
    await this.publisher.stop();
    await this.link.stop();
    await this.deps.geofences.stop();
  }
}
