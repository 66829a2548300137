// The embedded MQTT broker (Aedes, in process) that `npm start` runs when MQTT_BROKER_HOST is unset.

import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createServer, type Server, type Socket } from 'node:net';
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
  private readonly sockets = new Set<Socket>();

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
    const server = createServer((socket) => {
      this.sockets.add(socket);
      socket.once('close', () => this.sockets.delete(socket));
      aedes.handle(socket);
    });
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

  /**
   * Stops listening, lets Aedes close its clients (up to 2 s), then destroys every socket still
   * open: a peer that never sent CONNECT is not one of Aedes's clients, and a client that stopped
   * reading keeps Aedes waiting on its backpressure; `server.close()` waits for both, which held
   * the demo's stop past its bound. Sessions here are in memory: nothing is lost by cutting.
   */
  async stop(): Promise<void> {
    const server = this.server;
    const aedes = this.aedes;
    this.server = undefined;
    this.aedes = undefined;
    const serverClosed = server
      ? new Promise<void>((resolve) => server.close(() => resolve()))
      : Promise.resolve();
    if (aedes) {
      let timer: NodeJS.Timeout | undefined;
      const closed = await Promise.race([
        new Promise<boolean>((resolve) => aedes.close(() => resolve(true))),
        new Promise<boolean>((resolve) => {
          timer = setTimeout(() => resolve(false), CLOSE_GRACE_MS);
        }),
      ]);
      clearTimeout(timer);
      if (!closed) {
        this.options.log.warn(
          { ms: CLOSE_GRACE_MS, sockets: this.sockets.size },
          'broker clients did not close in time; cutting their connections',
        );
      }
    }
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await serverClosed;
  }
}

const CLOSE_GRACE_MS = 2000;
