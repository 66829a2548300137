// What the JSON routes read: the store link, the live device board, the registry, broker state, clock and version.
import type { Logger } from '../../core/log.js';
import type { DeviceBoard } from '../device-board.js';
import type { DeviceRegistry } from '../device-registry.js';
import type { StoreLink } from '../store-link.js';

export interface RouteDeps {
  store: StoreLink;
  board: DeviceBoard;
  registry: DeviceRegistry;
  /** A writable store for HTTP ingest; undefined without DASHBOARD_API_TOKEN (nothing writes). */
  ingestStore: StoreLink | undefined;
  /** DEVICE_ALLOWLIST: HTTP ingest refuses readings of unregistered devices too. */
  allowlist: boolean;
  brokerConnected: () => boolean;
  now: () => number;
  version: string;
  log: Logger;
}
