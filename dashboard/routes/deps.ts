// What the JSON routes use: the store link, the live device board, the command dispatcher, broker state, clock and version.
import type { StoredCommand } from '../commands/command-store.js';
import type { Submission } from '../commands/dispatcher.js';
import type { DeviceBoard } from '../device-board.js';
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
  board: DeviceBoard;
  commands: CommandService;
  brokerConnected: () => boolean;
  now: () => number;
  version: string;
}
