// Collector side: the geofences as the retained `fleet/geofences` snapshot last told them, compiled for point tests; a CollectorExtension of its own so trips and alarms share one copy.
import type { MqttClient } from 'mqtt';
import { GEOFENCES_TOPIC } from '../core/geo-wire.js';
import type { Logger } from '../core/log.js';
import { compileZones, type Geofence, type ZoneIndex } from '../geo/geofence-index.js';
import { parseGeofenceSnapshot } from './snapshot.js';

/** What trips and alarms read: the zones in force, and a call when they change. */
export interface GeofenceSource {
  readonly zones: ZoneIndex;
  readonly list: readonly Geofence[];
  onChange(listener: (zones: ZoneIndex, raw: string) => void): void;
}

/**
 * Structurally a CollectorExtension (collector/collector-extension.ts): subscribed to the retained
 * topic on the collector's session at QoS 1, so every (re)subscribe hears the current list and
 * every change while connected. A bad snapshot is logged and changes nothing.
 */
export class GeofenceFollower implements GeofenceSource {
  readonly name = 'geofences';
  readonly topics = [GEOFENCES_TOPIC] as const;
  zones: ZoneIndex = compileZones([]);
  list: readonly Geofence[] = [];
  /** The snapshot text in force ('' before any). */
  raw = '';
  /** Its geofences as text: a snapshot published again (new timestamp) changes nothing. */
  private key = '';
  private readonly listeners: Array<(zones: ZoneIndex, raw: string) => void> = [];
  applied = 0;
  refused = 0;

  constructor(private readonly log: Logger) {}

  onChange(listener: (zones: ZoneIndex, raw: string) => void): void {
    this.listeners.push(listener);
  }

  start(_client: MqttClient): void {}

  onMessage(_topic: string, payload: Uint8Array): void {
    this.accept(payload);
  }

  /** A snapshot (from the topic, or the copy the geo store kept); true when it replaced the list. */
  accept(payload: Uint8Array | string): boolean {
    const raw = typeof payload === 'string' ? payload : Buffer.from(payload).toString('utf8');
    const verdict = parseGeofenceSnapshot(raw);
    if (!verdict.ok) {
      this.refused += 1;
      this.log.warn(
        { topic: GEOFENCES_TOPIC, problem: verdict.problem },
        'geofence snapshot refused; keeping the last one',
      );
      return false;
    }
    const key = JSON.stringify(verdict.snapshot.geofences);
    if (key === this.key) return false;
    const changed = this.key !== '';
    this.key = key;
    this.raw = raw;
    this.list = verdict.geofences;
    this.zones = compileZones(verdict.geofences);
    this.applied += 1;
    this.log[changed ? 'info' : 'debug'](
      { geofences: this.list.length },
      changed ? 'geofences updated' : 'geofences received',
    );
    for (const l of this.listeners) l(this.zones, raw);
    return true;
  }

  stats(): Record<string, number> {
    return { geofences: this.list.length, applied: this.applied, refused: this.refused };
  }

  async stop(): Promise<void> {}
}
