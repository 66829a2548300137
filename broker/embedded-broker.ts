// The embedded MQTT broker (Aedes, in process) that `npm start` runs when MQTT_BROKER_HOST is unset.

import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:net';
import { Aedes } from 'aedes';
import type { Logger } from '../core/log.js';
import { BrokerAuth } from './broker-auth.js';

export interface EmbeddedBrokerOptions {
  /** 0 picks a free port (tests). */
  port: number;
  /** Default: every interface with credentials, 127.0.0.1 (this machine only) without. */
  host?: string;
  /** Mosquitto password_file and acl_file (MQTT_PASSWORD_FILE, MQTT_ACL_FILE): both or neither. */
  passwordFile?: string | undefined;
  aclFile?: string | undefined;
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
    const { log } = this.options;
    const auth = this.loadAuth();
    const aedes = await Aedes.createBroker({
      maxClientsIdLength: 128,
      ...(auth ? auth.handlers() : {}),
    });
    this.aedes = aedes;
    const server = createServer(aedes.handle);
    this.server = server;
    const host = this.options.host ?? (auth ? '0.0.0.0' : '127.0.0.1');
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    if (auth) {
      log.info(
        { port: this.port, host, users: auth.users },
        'embedded MQTT broker (Aedes) listening; password_file and acl_file enforced',
      );
    } else {
      log.warn(
        { port: this.port, host },
        'embedded MQTT broker (Aedes) listening WITHOUT authentication: any client may publish ' +
          'or subscribe (demo mode); set MQTT_PASSWORD_FILE and MQTT_ACL_FILE (npm run mqtt-users)',
      );
    }
  }

  /** Reads both files at start: a typo stops the program instead of opening an anonymous broker. */
  private loadAuth(): BrokerAuth | undefined {
    const { passwordFile, aclFile, log } = this.options;
    if (passwordFile === undefined && aclFile === undefined) return undefined;
    if (passwordFile === undefined || aclFile === undefined) {
      throw new Error(
        'the embedded broker needs both MQTT_PASSWORD_FILE and MQTT_ACL_FILE (one alone would ' +
          'let every user publish as any vehicle)',
      );
    }
    return BrokerAuth.parse(
      readFileSync(passwordFile, 'utf8'),
      readFileSync(aclFile, 'utf8'),
      log.child({ component: 'broker-auth' }),
    );
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
