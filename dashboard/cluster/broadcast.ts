// Where a Socket.IO event goes: this instance's clients only (derived from its own MQTT feed) or every instance's (through the adapter).
import type { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../core/dashboard-contract.js';

type Events = ServerToClientEvents;
type Args<E extends keyof Events> = Parameters<Events[E]>;

/**
 * Every emit site of the dashboard goes through this, so the choice is made in one place.
 * - local: events each instance derives itself from its own MQTT session (`latest_data`, `reading`,
 *   `health`, `alarm`): sent through the adapter they would reach every client N times.
 * - everywhere: events only this instance knows (a command's status: the command store is this
 *   instance's SQLite): through the Redis streams adapter to the clients of every instance.
 * Without Redis (one instance) both are the same emit.
 */
export interface Broadcast {
  local<E extends keyof Events>(event: E, ...args: Args<E>): void;
  everywhere<E extends keyof Events>(event: E, ...args: Args<E>): void;
}

export function socketBroadcast(io: Server<ClientToServerEvents, Events>): Broadcast {
  return {
    local: (event, ...args) => {
      io.local.emit(event, ...args);
    },
    everywhere: (event, ...args) => {
      io.emit(event, ...args);
    },
  };
}
