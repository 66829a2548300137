// Which Socket.IO rooms a vehicle's live events go to, and which a connection joins: one room per vehicle group, one for those who see every vehicle.
import type { VehicleAccess } from '../../auth/access.js';
import type { Directory } from '../../auth/directory.js';

/** Admins, DASHBOARD_API_TOKEN, AUTH_MODE=none: every vehicle's events (fleet-wide ones too). */
export const ALL_ROOM = 'see:all';
export const groupRoom = (groupId: string): string => `see:group:${groupId}`;

/**
 * Rooms, not per-socket checks at emit time: an emit names the rooms of the vehicle's groups, and
 * with the Redis adapter every dashboard instance delivers it to its own sockets in those rooms,
 * so the filter holds across instances without any instance knowing the others' sockets.
 */
export class LiveAudience {
  /**
   * `directory`: the users and groups as of now (the auth folder's cached view); `everyone`:
   * AUTH_MODE=none, where every connection sees every vehicle.
   */
  constructor(
    private readonly directory: () => Directory,
    private readonly everyone = false,
  ) {}

  /** The rooms of those who may see a vehicle's events (null: fleet-wide, for those who see all). */
  roomsOf(deviceId: string | null): string[] {
    if (deviceId === null || this.everyone) return [ALL_ROOM];
    return [ALL_ROOM, ...this.directory().groupsOf(deviceId).map(groupRoom)];
  }

  /** The rooms a connection belongs in. */
  roomsFor(access: VehicleAccess, groups: readonly string[]): string[] {
    return access.all ? [ALL_ROOM] : groups.map(groupRoom);
  }
}

/** The same rooms for clients that still get the whole-fleet events (legacy: no `view`). */
export const legacy = (room: string): string => `legacy:${room}`;
