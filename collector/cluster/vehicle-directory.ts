// Which vehicles exist: the store's devices at start, then every retained or live vehicles/+/status, through a non-persistent session.
import type { IPublishPacket } from 'mqtt';
import { isDeviceId, parseTopic, STATUS_SUBSCRIPTION } from '../../core/contract.js';
import type { Logger } from '../../core/log.js';
import type { MqttSession } from '../../core/mqtt-session.js';
import type { TelemetryStore } from '../../core/store/types.js';

export interface VehicleDirectoryDeps {
  /** clean: true; a status missed while disconnected comes back retained at the next subscribe. */
  session: MqttSession;
  store: Pick<TelemetryStore, 'devices'>;
  log: Logger;
}

/**
 * Why statuses: each vehicle publishes a retained `online` at connect (and its will `offline`), so
 * a collector subscribing to vehicles/+/status learns every vehicle that ever connected, at once,
 * whatever partition it falls in. A reading a vehicle published before its partition's session
 * subscribed to it reaches nobody; the vehicle keeps it and resends it (no end-to-end ack came).
 */
export class VehicleDirectory {
  private readonly known = new Set<string>();
  private readonly listeners: Array<(deviceId: string) => void> = [];

  constructor(private readonly deps: VehicleDirectoryDeps) {}

  ids(): string[] {
    return [...this.known];
  }

  get size(): number {
    return this.known.size;
  }

  onNew(listener: (deviceId: string) => void): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  add(deviceId: string): void {
    if (!isDeviceId(deviceId) || this.known.has(deviceId)) return;
    this.known.add(deviceId);
    for (const l of this.listeners) l(deviceId);
  }

  async start(): Promise<void> {
    const { session, store, log } = this.deps;
    try {
      for (const d of await store.devices()) this.add(d.deviceId);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot list stored devices; statuses only');
    }
    const client = session.create();
    client.on('message', (topic: string, _payload: Buffer, _packet: IPublishPacket) => {
      const parsed = parseTopic(topic);
      if (parsed?.kind === 'status') this.add(parsed.deviceId);
    });
    client.on('connect', () => {
      client.subscribe({ [STATUS_SUBSCRIPTION]: { qos: 0 } }, (err) => {
        if (err) log.warn({ err: err.message }, 'vehicle directory: subscribe failed');
      });
    });
    session.start();
  }

  async stop(): Promise<void> {
    await this.deps.session.stop();
  }
}
