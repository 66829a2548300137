// Collector side: the registry as the retained `fleet/registry` snapshot last told it; lookup(deviceId) and "a snapshot arrived".
import type { RegistrySnapshot } from '../core/contract.js';
import { REGISTRY_TOPIC } from '../core/contract.js';
import type { Logger } from '../core/log.js';
import type { RegistryEntry } from './entry.js';
import { parseSnapshot } from './snapshot.js';

/**
 * Fed by its owner's MQTT session (subscribed to REGISTRY_TOPIC): the snapshot is retained on the
 * broker, so a follower on another host gets the current registry at every (re)subscribe and
 * every change while connected, without a restart. A bad message is logged and changes nothing.
 */
export class RegistryFollower {
  static readonly topic = REGISTRY_TOPIC;
  private devices = new Map<string, RegistryEntry>();
  private received = false;
  private readonly listeners: Array<(snapshot: RegistrySnapshot) => void> = [];
  /** Snapshots applied and refused, for stats. */
  applied = 0;
  refused = 0;

  constructor(private readonly log: Logger) {}

  /** True once a snapshot arrived since this process started (the registry is known). */
  get ready(): boolean {
    return this.received;
  }

  /** The device's entry (name, plate, speed_limit_kmh); undefined: not registered. */
  lookup(deviceId: string): RegistryEntry | undefined {
    return this.devices.get(deviceId);
  }

  get size(): number {
    return this.devices.size;
  }

  /** Called after each applied snapshot (the first one ends the collector's hold). */
  onSnapshot(listener: (snapshot: RegistrySnapshot) => void): void {
    this.listeners.push(listener);
  }

  /** One message on REGISTRY_TOPIC; true when it replaced the registry. */
  accept(payload: Uint8Array): boolean {
    const verdict = parseSnapshot(payload);
    if (!verdict.ok) {
      this.refused += 1;
      this.log.warn(
        { topic: REGISTRY_TOPIC, problem: verdict.problem },
        'registry snapshot refused; keeping the last one',
      );
      return false;
    }
    const { snapshot } = verdict;
    this.devices = new Map(snapshot.devices.map((d) => [d.device_id, d]));
    const first = !this.received;
    this.received = true;
    this.applied += 1;
    if (first) {
      this.log.info({ devices: this.devices.size, at: snapshot.timestamp }, 'registry received');
    } else {
      this.log.debug({ devices: this.devices.size, at: snapshot.timestamp }, 'registry updated');
    }
    for (const l of this.listeners) l(snapshot);
    return true;
  }
}
