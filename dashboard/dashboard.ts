// The dashboard: store link, live MQTT feed, Express app and Socket.IO on one HTTP server; start()/stop().
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Server as SocketServer } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../core/dashboard-contract.js';
import { LATE_AFTER_MS } from '../core/dashboard-contract.js';
import type { Logger } from '../core/log.js';
import type { MqttSession } from '../core/mqtt-session.js';
import type { TelemetryStore } from '../core/store/types.js';
import { DeviceBoard } from './device-board.js';
import { LiveFeed } from './live.js';
import { buildPageBundle } from './page-bundle.js';
import { buildApp } from './server.js';
import { StoreLink } from './store-link.js';

export interface DashboardOptions {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  offlineAfterS: number;
  version: string;
  /** `latest_data` period; the interface says every second. */
  tickMs?: number;
  storeRetryMs?: number;
}

export interface DashboardDeps {
  /** Builds a read-only store; called again after a failed open. */
  createStore: () => TelemetryStore;
  session: MqttSession;
  log: Logger;
  now: () => number;
}

type Io = SocketServer<ClientToServerEvents, ServerToClientEvents>;

export class Dashboard {
  readonly board: DeviceBoard;
  readonly live: LiveFeed;
  readonly store: StoreLink;
  private http: HttpServer | undefined;
  private io: Io | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  constructor(
    private readonly options: DashboardOptions,
    private readonly deps: DashboardDeps,
  ) {
    this.board = new DeviceBoard(options.offlineAfterS * 1000);
    this.live = new LiveFeed({
      session: deps.session,
      board: this.board,
      log: deps.log,
      now: deps.now,
    });
    this.store = new StoreLink({
      create: deps.createStore,
      log: deps.log,
      retryMs: options.storeRetryMs ?? 2000,
      onOpen: (store) => this.seed(store),
    });
  }

  /** Resolves once the live MQTT subscription is in place. */
  get subscribed(): Promise<void> {
    return this.live.subscribed;
  }

  get port(): number {
    const address = this.http?.address() as AddressInfo | null | undefined;
    if (!address) throw new Error('dashboard not listening');
    return address.port;
  }

  /** A URL a person can open (0.0.0.0 and :: are not addresses to browse to). */
  get url(): string {
    const host = ['0.0.0.0', '::'].includes(this.options.host) ? 'localhost' : this.options.host;
    return `http://${host.includes(':') ? `[${host}]` : host}:${this.port}/`;
  }

  async start(): Promise<void> {
    try {
      await this.startAll();
    } catch (err) {
      await this.stop();
      throw err;
    }
  }

  private async startAll(): Promise<void> {
    const { log, now } = this.deps;
    const pageScript = await buildPageBundle();
    await this.store.start();
    const app = buildApp({
      store: this.store,
      board: this.board,
      brokerConnected: () => this.live.connected,
      now,
      version: this.options.version,
      log,
      pageScript,
    });
    const http = createServer(app);
    this.http = http;
    const io: Io = new SocketServer(http, { serveClient: true });
    this.io = io;
    io.on('connection', (socket) => {
      socket.emit('hello', {
        server_time: new Date(now()).toISOString(),
        offline_after_s: this.options.offlineAfterS,
        late_after_ms: LATE_AFTER_MS,
        version: this.options.version,
      });
      socket.emit('latest_data', this.board.latestData(now()));
    });
    this.live.onReading((reading) => io.emit('reading', reading));
    this.live.start();
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.options.port, this.options.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    this.ticker = setInterval(() => this.tick(), this.options.tickMs ?? 1000);
  }

  /** Every second: flip stale devices (logged once per change) and push `latest_data`. */
  private tick(): void {
    const now = this.deps.now();
    for (const change of this.board.transitions(now)) {
      this.deps.log.info(change, 'device status');
    }
    this.io?.emit('latest_data', this.board.latestData(now));
  }

  private async seed(store: TelemetryStore): Promise<void> {
    const now = this.deps.now();
    for (const d of await store.devices()) {
      this.board.seed(d.deviceId, d.lastSeen, await store.latest(d.deviceId), now);
    }
  }

  /** Closes sockets and the HTTP server, then MQTT, then the store. Safe to call twice. */
  stop(): Promise<void> {
    this.stopping ??= this.stopAll();
    return this.stopping;
  }

  private async stopAll(): Promise<void> {
    clearInterval(this.ticker);
    this.ticker = undefined;
    const io = this.io;
    const http = this.http;
    this.io = undefined;
    if (io) {
      const closed = io.close();
      http?.closeAllConnections();
      await closed;
    } else if (http?.listening) {
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    await this.live.stop();
    await this.store.stop();
  }
}
