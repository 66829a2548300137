// Where a Socket.IO event goes: this instance's clients only (derived from its own MQTT feed) or every instance's (through the adapter), and only to those who may see its vehicle.
import type { Server } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../core/dashboard-contract.js';
import type { LiveAudience } from '../access/live-audience.js';

type Events = ServerToClientEvents;
type Args<E extends keyof Events> = Parameters<Events[E]>;

/**
 * Every emit site of the dashboard goes through this, so the choice is made in one place.
 * - local: events each instance derives itself from its own MQTT session (`latest_data`, `reading`,
 *   `health`, `alarm`): sent through the adapter they would reach every client N times.
 * - everywhere: events only this instance knows (a command's status: the command store is this
 *   instance's SQLite): through the Redis streams adapter to the clients of every instance.
 * Without Redis (one instance) both are the same emit. Either way the event goes only to the
 * rooms of those who may see `deviceId` (access/live-audience.ts; null: a fleet-wide event, for
 * those who see every vehicle), so each instance delivers it only to its sockets in them.
 */
export interface Broadcast {
  local<E extends keyof Events>(deviceId: string | null, event: E, ...args: Args<E>): void;
  everywhere<E extends keyof Events>(deviceId: string | null, event: E, ...args: Args<E>): void;
}

export function socketBroadcast(
  io: Server<ClientToServerEvents, Events>,
  audience: LiveAudience,
): Broadcast {
  return {
    local: (deviceId, event, ...args) => {
      io.local.to(audience.roomsOf(deviceId)).emit(event, ...args);
    },
    everywhere: (deviceId, event, ...args) => {
      io.to(audience.roomsOf(deviceId)).emit(event, ...args);
    },
  };
}
