// The dashboard: store link, live MQTT feed, command dispatcher, Express app and Socket.IO on one HTTP server; start()/stop().
import { createServer, type Server as HttpServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Express } from 'express';
import { Registry } from 'prom-client';
import { Server as SocketServer } from 'socket.io';
import type { Auth } from '../auth/auth.js';
import { OSM_TILE_URL } from '../core/config.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../core/dashboard-contract.js';
import { LATE_AFTER_MS } from '../core/dashboard-contract.js';
import type { Logger } from '../core/log.js';
import type { MqttSession } from '../core/mqtt-session.js';
import { BUILTIN_CATALOG, type SignalCatalog } from '../core/signals/catalog.js';
import { StatusDigest } from '../core/status-digest.js';
import type { TelemetryStore } from '../core/store/types.js';
import { RegistryPublisher } from '../registry/publisher.js';
import type { RegistryStore } from '../registry/registry-store.js';
import { LiveAudience } from './access/live-audience.js';
import { SocketAccess } from './access/socket-access.js';
import { AlarmCopy } from './alarms/alarm-copy.js';
import { AlarmFollower } from './alarms/alarm-follower.js';
import { socketBroadcast } from './cluster/broadcast.js';
import type { FollowedRegistry } from './cluster/followed-registry.js';
import type { SocketCluster } from './cluster/redis-link.js';
import { commandBody } from './commands/command-body.js';
import type { CommandStore } from './commands/command-store.js';
import { CommandDispatcher } from './commands/dispatcher.js';
import { DeviceBoard } from './device-board.js';
import { DeviceRegistry } from './device-registry.js';
import type { DashboardGeo } from './geo/dashboard-geo.js';
import { LiveFeed } from './live.js';
import { dashboardMetrics } from './metrics.js';
import { buildPageBundle } from './page-bundle.js';
import { rawRequestAddress } from './security/client-address.js';
import { securityHeaders } from './security/headers.js';
import { logSecuritySettings } from './security/log-settings.js';
import { type ApiRateLimit, apiRateLimit } from './security/rate-limit.js';
import { type SecurityConfig, securitySettings } from './security/settings.js';
import { SocketLimit } from './security/socket-limit.js';
import { buildApp } from './server.js';
import { StoreLink } from './store-link.js';
import { ActiveAlarms } from './views/active-alarms.js';
import { LiveViews } from './views/live-views.js';
import { NameCache } from './views/name-cache.js';

/** A connection that has not joined the namespace by then is closed (Socket.IO's default: 45 s). */
const CONNECT_TIMEOUT_MS = 10_000;
/** The page sends Socket.IO its CONNECT and `view` events (a few KB at most); no client message needs more. */
const MAX_SOCKET_MESSAGE_BYTES = 16_384;
/** With Redis: a page reconnecting within this gets the `everywhere` events it missed. */
const RECOVERY_WINDOW_MS = 2 * 60_000;
/** Registry names are re-read this often (ticks) besides after each change made here. */
const NAME_REFRESH_TICKS = 30;

/** DASHBOARD_* values (config.dashboard) plus what the composition adds. */
export interface DashboardOptions extends SecurityConfig {
  host: string;
  /** 0 picks a free port (tests). */
  port: number;
  offlineAfterS: number;
  /** A sent command without an answer after this long is timed_out (COMMAND_TIMEOUT_S). */
  commandTimeoutS: number;
  /** Devices' HEALTH_INTERVAL_S (health older than twice it: warning). */
  healthIntervalS: number;
  /** Devices' PARKED_INTERVAL_S: a parked vehicle's next reading is due this late (default 60). */
  parkedIntervalS?: number;
  /** DASHBOARD_STATE_PATH: the dashboard's copy of the alarms. */
  statePath: string;
  /** How long POST /api/alarms/:id/ack waits for the collector before answering 202. */
  ackTimeoutMs?: number;
  version: string;
  /** `latest_data` period; the interface says every second. */
  tickMs?: number;
  storeRetryMs?: number;
  /** DEVICE_ALLOWLIST: HTTP ingest refuses readings of unregistered devices (`unknown_device`). */
  deviceAllowlist?: boolean;
  /** The signal catalog in force (SIGNALS_FILE included); default: the built-in signals. */
  catalog?: SignalCatalog;
  /** MAP_TILE_URL; null: the offline basemap; undefined: OpenStreetMap's tiles. */
  mapTileUrl?: string | null;
}

export interface DashboardDeps {
  /** Builds a read-only store; called again after a failed open. */
  createStore: () => TelemetryStore;
  /**
   * Builds the writable store HTTP ingest writes to (only with DASHBOARD_API_TOKEN: without one
   * nothing may write); undefined: no HTTP ingest.
   */
  createWriteStore?: (() => TelemetryStore) | undefined;
  /**
   * The device registry this dashboard owns (DASHBOARD_STATE_PATH), or, with `registryFollower`
   * set, that follower (DASHBOARD_REGISTRY=follower: another instance owns and publishes it).
   */
  registry: RegistryStore;
  registryFollower?: FollowedRegistry | undefined;
  session: MqttSession;
  /** Commands and their states (DASHBOARD_STATE_PATH); started and stopped by the dashboard. */
  commandStore: CommandStore;
  log: Logger;
  now: () => number;
  /**
   * The registry GET /metrics serves; the dashboard adds its own metrics to it. `npm start` passes
   * the process's shared one; absent (tests): a registry of the dashboard's metrics only.
   */
  metrics?: Registry;
  /**
   * REDIS_URL: the Socket.IO Redis streams adapter, so events only this instance knows reach the
   * clients of every instance (cluster/broadcast.ts); undefined: one dashboard, in-memory adapter.
   */
  cluster?: SocketCluster | undefined;
  /** Trips, reports, events and geofences (dashboard/geo/); undefined: those routes answer 503. */
  geo?: DashboardGeo | undefined;
  /**
   * People and permissions (the auth folder: AUTH_MODE, users, groups, sessions, tokens, audit);
   * started and stopped by the dashboard.
   */
  auth: Auth;
}

type Io = SocketServer<ClientToServerEvents, ServerToClientEvents>;

export class Dashboard {
  readonly board: DeviceBoard;
  readonly live: LiveFeed;
  readonly alarms: AlarmFollower;
  readonly store: StoreLink;
  readonly metrics: Registry;
  readonly commands: CommandDispatcher;
  readonly ingestStore: StoreLink | undefined;
  readonly registry: DeviceRegistry;
  readonly registryPublisher: RegistryPublisher;
  /** Who receives which live event (legacy clients, view clients). */
  readonly views: LiveViews;
  /** Who each live connection is, checked again as users, groups and sessions change. */
  readonly sockets: SocketAccess;
  private readonly audience: LiveAudience;
  private readonly names: NameCache;
  private readonly activeAlarms = new ActiveAlarms();
  private http: HttpServer | undefined;
  private expressApp: Express | undefined;
  private io: Io | undefined;
  private ticker: NodeJS.Timeout | undefined;
  private ticks = 0;
  private rateLimit: ApiRateLimit | undefined;
  private stopping: Promise<void> | undefined;
  /** Status changes: each at debug, a summary at info at most every few seconds. */
  private readonly statusDigest: StatusDigest;

  /** The map's tile template (MAP_TILE_URL); null: the offline basemap. */
  private get mapTileUrl(): string | null {
    return this.options.mapTileUrl === undefined ? OSM_TILE_URL : this.options.mapTileUrl;
  }

  get catalog(): SignalCatalog {
    return this.options.catalog ?? BUILTIN_CATALOG;
  }

  constructor(
    private readonly options: DashboardOptions,
    private readonly deps: DashboardDeps,
  ) {
    this.statusDigest = new StatusDigest(deps.log, { now: deps.now });
    this.board = new DeviceBoard(options.offlineAfterS * 1000, {
      healthIntervalMs: options.healthIntervalS * 1000,
      ...(options.parkedIntervalS === undefined
        ? {}
        : { parkedIntervalMs: options.parkedIntervalS * 1000 }),
    });
    this.live = new LiveFeed({
      session: deps.session,
      board: this.board,
      log: deps.log,
      now: deps.now,
      catalog: this.catalog,
    });
    this.commands = new CommandDispatcher({
      store: deps.commandStore,
      session: deps.session,
      now: deps.now,
      log: deps.log,
      timeoutMs: options.commandTimeoutS * 1000,
    });
    this.alarms = new AlarmFollower(
      {
        session: deps.session,
        copy: new AlarmCopy(options.statePath),
        log: deps.log,
        now: deps.now,
      },
      options.ackTimeoutMs ?? 5000,
    );
    this.store = new StoreLink({
      create: deps.createStore,
      log: deps.log,
      retryMs: options.storeRetryMs ?? 2000,
      onOpen: (store) => this.seed(store),
    });
    this.metrics = deps.metrics ?? new Registry();
    this.ingestStore =
      deps.createWriteStore &&
      new StoreLink({
        create: deps.createWriteStore,
        log: deps.log.child({ store: 'ingest' }),
        retryMs: options.storeRetryMs ?? 2000,
        onOpen: async () => {},
      });
    this.registryPublisher = new RegistryPublisher({
      store: deps.registry,
      log: deps.log,
      now: deps.now,
    });
    this.registry = new DeviceRegistry(deps.registry, this.registryPublisher);
    this.names = new NameCache(deps.registry, deps.log);
    this.registry.onChange(() => void this.names.refresh());
    this.sockets = new SocketAccess({ auth: deps.auth, now: deps.now, log: deps.log });
    this.audience = new LiveAudience(() => deps.auth.directory, deps.auth.mode === 'none');
    this.views = new LiveViews({
      sockets: this.sockets,
      audience: this.audience,
      board: this.board,
      name: (id) => this.names.get(id),
      alarms: this.activeAlarms,
      readings: () => this.live.readings,
      log: deps.log,
      now: deps.now,
    });
  }

  /** Socket.IO clients connected to the page's namespace. */
  get socketClients(): number {
    return this.io?.of('/').sockets.size ?? 0;
  }

  /** The Express app once started (tests walk its routes against the OpenAPI document). */
  get app(): Express | undefined {
    return this.expressApp;
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
    // Bad DASHBOARD_* values stop the start before anything is opened.
    const security = securitySettings(this.options);
    logSecuritySettings(this.deps.log, security, this.deps.auth.mode);
    dashboardMetrics(this.metrics, {
      board: this.board,
      live: this.live,
      socketClients: () => this.socketClients,
      viewClients: () => this.views.viewClients,
      viewsRejected: () => this.views.rejected + this.views.map.rejected,
      storeAvailable: () => this.store.available,
      redisConnected: this.deps.cluster && (() => this.deps.cluster?.available === true),
      now,
    });
    const pageScript = await buildPageBundle();
    await this.deps.auth.start();
    // Before MQTT connects: answers the broker kept for this session arrive right after CONNACK.
    this.deps.commandStore.start();
    await this.deps.registry.start();
    await this.names.refresh();
    await this.store.start();
    await this.ingestStore?.start();
    await this.deps.geo?.start();
    const headers = securityHeaders(this.mapTileUrl);
    this.rateLimit = apiRateLimit(security.rateLimitPerMin, log);
    const app = buildApp({
      store: this.store,
      catalog: this.catalog,
      board: this.board,
      commands: this.commands,
      registry: this.registry,
      ingestStore: this.ingestStore,
      allowlist: this.options.deviceAllowlist ?? false,
      brokerConnected: () => this.live.connected,
      now,
      version: this.options.version,
      log,
      pageScript,
      security,
      headers,
      rateLimit: this.rateLimit.middleware,
      metrics: this.metrics,
      alarms: this.alarms,
      geo: this.deps.geo,
      auth: this.deps.auth,
    });
    this.expressApp = app;
    const http = createServer(app);
    this.http = http;
    const socketLimit = new SocketLimit(security.maxSocketsPerIp, rawRequestAddress(app), log);
    const cluster = this.deps.cluster;
    // Does not wait for Redis: a dashboard starts and serves its own clients while Redis is down.
    cluster?.start();
    const io: Io = new SocketServer(http, {
      serveClient: false,
      connectTimeout: CONNECT_TIMEOUT_MS,
      maxHttpBufferSize: MAX_SOCKET_MESSAGE_BYTES,
      allowRequest: socketLimit.allowRequest,
      // Recovery only with the Redis adapter: the in-memory one would keep every emitted packet
      // (each live reading) for the whole window. Middlewares (the per-address limit) run again.
      ...(cluster && {
        adapter: cluster.adapter(),
        connectionStateRecovery: {
          maxDisconnectionDuration: RECOVERY_WINDOW_MS,
          skipMiddlewares: false,
        },
      }),
    });
    this.io = io;
    const broadcast = socketBroadcast(io, this.audience);
    // Socket.IO answers /socket.io/ before Express sees it: its responses get the headers too.
    io.engine.use(headers);
    socketLimit.attach(io);
    // After the per-address limit: a refused connection costs no lookup.
    this.sockets.attach(io);
    this.views.attach(io);
    io.on('connection', (socket) => {
      socket.emit('hello', {
        server_time: new Date(now()).toISOString(),
        offline_after_s: this.options.offlineAfterS,
        late_after_ms: LATE_AFTER_MS,
        map_tile_url: this.mapTileUrl,
        version: this.options.version,
      });
      // Legacy or view client: latest_data and health now, or only once it says what it shows.
      this.views.connected(socket);
    });
    // Readings and health reach each client by its view (views/live-views.ts), from this
    // instance's own feed: local. Commands only this instance knows: everywhere. Alarms reach
    // every instance from the collector's retained topics (acks included): local, to every client
    // that may see the vehicle (they are rare; the alarm panel lists the fleet it may see).
    this.live.onReading((reading) => this.views.reading(reading));
    this.live.onHealth((health) => this.views.health(health));
    this.commands.onChange((command) =>
      broadcast.everywhere(command.deviceId, 'command', commandBody(command)),
    );
    this.alarms.onAlarm((alarm) => {
      this.activeAlarms.apply(alarm);
      broadcast.local(alarm.device_id, 'alarm', alarm);
    });
    // Collectors' trip, harsh and geofence events: rare, to this instance's clients who see the vehicle.
    this.deps.geo?.onEvent((event) => broadcast.local(event.device_id, 'event', event));
    this.live.start();
    // Same tick as live.start(): their listeners are on the session's client before the CONNACK.
    this.commands.attach();
    this.alarms.start();
    // The copy is open now; its events arrive after the CONNACK, so nothing is missed in between.
    for (const alarm of this.alarms.list({
      state: 'active',
      deviceId: undefined,
      limit: 1_000_000,
    }))
      this.activeAlarms.apply(alarm);
    // Same session, same tick: its first CONNACK already publishes (or subscribes to) the registry.
    const follower = this.deps.registryFollower;
    if (follower) follower.attach(this.deps.session.mqtt);
    else this.registryPublisher.attach(this.deps.session.mqtt);
    this.deps.geo?.attach(this.deps.session.mqtt);
    await new Promise<void>((resolve, reject) => {
      http.once('error', reject);
      http.listen(this.options.port, this.options.host, () => {
        http.off('error', reject);
        resolve();
      });
    });
    this.ticker = setInterval(() => this.tick(), this.options.tickMs ?? 1000);
  }

  /** Every second: flip stale devices (logged once per change), re-check connections' rights, push the live views. */
  private tick(): void {
    const now = this.deps.now();
    for (const change of this.board.transitions(now)) {
      this.statusDigest.change(change.deviceId, change.status);
    }
    if (this.io) this.sockets.tick(this.io, (socket) => this.views.rightsChanged(socket));
    this.views.tick();
    if (++this.ticks % NAME_REFRESH_TICKS === 0) void this.names.refresh();
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
    this.statusDigest.flush();
    this.ticker = undefined;
    this.rateLimit?.stop();
    const io = this.io;
    const http = this.http;
    this.io = undefined;
    this.views.stop();
    if (io) {
      const closed = io.close();
      http?.closeAllConnections();
      await closed;
    } else if (http?.listening) {
      await new Promise<void>((resolve) => http.close(() => resolve()));
    }
    // After Socket.IO: closing it stops the adapter's readers first.
    await this.deps.cluster?.stop();
    this.commands.stop();
    await this.registryPublisher.stop();
    await this.live.stop();
    // After the session: an answer arriving while it closes is still stored.
    this.deps.commandStore.stop();
    this.alarms.stop();
    await this.store.stop();
    await this.ingestStore?.stop();
    await this.deps.geo?.stop();
    await this.deps.registry.stop();
    this.deps.auth.stop();
  }
}
