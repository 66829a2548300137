// What the JSON routes use: the store link, the live device board, the command dispatcher, the registry, broker state, clock and version.
import type { Logger } from '../../core/log.js';
import type { SignalCatalog } from '../../core/signals/catalog.js';
import type { StoredCommand } from '../commands/command-store.js';
import type { Submission } from '../commands/dispatcher.js';
import type { DeviceBoard } from '../device-board.js';
import type { DeviceRegistry } from '../device-registry.js';
import type { DashboardGeo } from '../geo/dashboard-geo.js';
import type { StoreLink } from '../store-link.js';

/** The command routes' view of the dispatcher. */
export interface CommandService {
  submit(s: Submission): StoredCommand;
  get(commandId: string): StoredCommand | undefined;
  list(deviceId: string, limit: number): StoredCommand[];
  pendingCount(deviceId: string): number;
}

export interface RouteDeps {
  store: StoreLink;
  /** The signal catalog in force (validation, columns, the API's lists). */
  catalog: SignalCatalog;
  board: DeviceBoard;
  commands: CommandService;
  registry: DeviceRegistry;
  /** A writable store for HTTP ingest; undefined without DASHBOARD_API_TOKEN (nothing writes). */
  ingestStore: StoreLink | undefined;
  /** DEVICE_ALLOWLIST: HTTP ingest refuses readings of unregistered devices too. */
  allowlist: boolean;
  brokerConnected: () => boolean;
  /** Trips, stops, reports, events, tracks and geofences; undefined: those routes answer 503. */
  geo?: DashboardGeo | undefined;
  now: () => number;
  version: string;
  log: Logger;
}
