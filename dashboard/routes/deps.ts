// What the JSON routes read: the store link, the live device board, broker state, clock and version.
import type { DeviceBoard } from '../device-board.js';
import type { StoreLink } from '../store-link.js';

export interface RouteDeps {
  store: StoreLink;
  board: DeviceBoard;
  brokerConnected: () => boolean;
  now: () => number;
  version: string;
}
