// DASHBOARD_REGISTRY=follower: the geofences as the owning dashboard publishes them (the retained fleet/geofences snapshot); writes are refused.
import type { MqttClient } from 'mqtt';
import { GEOFENCES_TOPIC, type GeofenceBody } from '../core/geo-wire.js';
import type { GeofenceInput, GeofenceStore } from './geofence-store.js';
import { parseGeofenceSnapshot } from './snapshot.js';

/** Thrown by writes: the dashboard maps it to a 409 (the owner instance takes changes). */
export class GeofencesElsewhereError extends Error {
  constructor() {
    super(
      'this dashboard follows the geofences of another instance (DASHBOARD_REGISTRY=follower): change them on the instance that owns them',
    );
    this.name = 'GeofencesElsewhereError';
  }
}

/** Like dashboard/cluster/followed-registry.ts for the device registry. */
export class FollowedGeofences implements GeofenceStore {
  private geofences: GeofenceBody[] = [];

  /** Subscribes on every connect of the dashboard's session (call before its first CONNACK). */
  attach(client: MqttClient): void {
    client.on('connect', () => {
      client.subscribe(GEOFENCES_TOPIC, { qos: 1 });
    });
    client.on('message', (topic, payload) => {
      if (topic !== GEOFENCES_TOPIC) return;
      const verdict = parseGeofenceSnapshot(payload);
      if (verdict.ok) this.geofences = [...verdict.snapshot.geofences].sort((a, b) => a.id - b.id);
    });
  }

  async start(): Promise<void> {}

  async list(): Promise<GeofenceBody[]> {
    return this.geofences;
  }

  async get(id: number): Promise<GeofenceBody | undefined> {
    return this.geofences.find((g) => g.id === id);
  }

  async create(_input: GeofenceInput): Promise<GeofenceBody> {
    throw new GeofencesElsewhereError();
  }

  async update(_id: number, _input: GeofenceInput): Promise<GeofenceBody | undefined> {
    throw new GeofencesElsewhereError();
  }

  async remove(_id: number): Promise<boolean> {
    throw new GeofencesElsewhereError();
  }

  async stop(): Promise<void> {}
}
