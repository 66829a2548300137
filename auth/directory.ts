// An in-memory view of users and groups, reloaded when the store's generation moves (a change by this or any other instance).
import { ALL_VEHICLES, type VehicleAccess, vehiclesIn } from './access.js';
import type { GroupRecord, PeopleTable, UserRecord } from './store/types.js';

interface Snapshot {
  generation: number;
  users: Map<string, UserRecord>;
  groups: Map<string, GroupRecord>;
  /** device id → the groups holding it. */
  groupsOf: Map<string, string[]>;
  /** A user's VehicleAccess, built once per snapshot. */
  access: Map<string, VehicleAccess>;
}

/** Another instance's change (same file) is looked for at most this often. */
const RECHECK_MS = 200;

/**
 * Live events ask this for every reading (thousands a second), so the file's generation (one row)
 * is read at most every RECHECK_MS; a change made here shows at once (changesHere), one made by
 * another dashboard or `npm run users` within RECHECK_MS. Users and groups are read again only
 * when the generation moved.
 */
export class Directory {
  private snap: Snapshot | undefined;
  private checkedAt = Number.NEGATIVE_INFINITY;
  private seenHere = -1;

  constructor(private readonly people: PeopleTable) {}

  private current(): Snapshot {
    const here = this.people.changesHere();
    const t = performance.now();
    if (this.snap && here === this.seenHere && t - this.checkedAt < RECHECK_MS) return this.snap;
    this.checkedAt = t;
    this.seenHere = here;
    const generation = this.people.generation();
    if (this.snap?.generation === generation) return this.snap;
    const groups = new Map(this.people.groups().map((g) => [g.id, g]));
    const groupsOf = new Map<string, string[]>();
    for (const g of groups.values()) {
      for (const d of g.devices) groupsOf.set(d, [...(groupsOf.get(d) ?? []), g.id]);
    }
    this.snap = {
      generation,
      users: new Map(this.people.list().map((u) => [u.username, u])),
      groups,
      groupsOf,
      access: new Map(),
    };
    return this.snap;
  }

  /** The store's generation now (live views re-check their sockets when it moves). */
  generation(): number {
    return this.current().generation;
  }

  user(username: string): UserRecord | undefined {
    return this.current().users.get(username);
  }

  /** The groups holding a vehicle (live events go to these groups' rooms). */
  groupsOf(deviceId: string): readonly string[] {
    return this.current().groupsOf.get(deviceId) ?? [];
  }

  /** What a user may see: admins everything, others their groups' vehicles. */
  accessOf(user: UserRecord): VehicleAccess {
    if (user.role === 'admin') return ALL_VEHICLES;
    const snap = this.current();
    const cached = snap.access.get(user.username);
    if (cached) return cached;
    const devices = new Set<string>();
    for (const id of user.groups)
      for (const d of snap.groups.get(id)?.devices ?? []) devices.add(d);
    const access = vehiclesIn(devices);
    snap.access.set(user.username, access);
    return access;
  }

  /** The visible vehicle ids of a user (undefined: all): for routes that query stores by id. */
  visibleDevices(user: UserRecord): ReadonlySet<string> | undefined {
    return this.accessOf(user).devices;
  }
}
