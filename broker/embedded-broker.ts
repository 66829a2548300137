// The embedded MQTT broker (Aedes, in process) that `npm start` runs when MQTT_BROKER_HOST is unset.

import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '../core/log.js';

export interface EmbeddedBrokerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  host?: string;
  log: Logger;
}

/**
 * Sessions and queued QoS 1 messages live in memory here: they survive a client's disconnect but
 * not a restart of this process. Deployments that need a broker surviving restarts use Mosquitto
 * with persistence (docker/), which is what the drills exercise.
 */
export class EmbeddedBroker {
  private aedes: Aedes | undefined;
  private server: Server | undefined;

  constructor(private readonly options: EmbeddedBrokerOptions) {}

  get port(): number {
    const address = this.server?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('embedded broker not listening');
    return address.port;
  }

  async start(): Promise<void> {
    const aedes = await Aedes.createBroker({ maxClientsIdLength: 128 });
    this.aedes = aedes;
    const server = createServer(aedes.handle);
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host ?? '0.0.0.0', () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.options.log.info({ port: this.port }, 'embedded MQTT broker (Aedes) listening');
  }

  async stop(): Promise<void> {
    const server = this.server;
    const aedes = this.aedes;
    this.server = undefined;
    this.aedes = undefined;
    if (aedes) await new Promise<void>((resolve) => aedes.close(() => resolve()));
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
