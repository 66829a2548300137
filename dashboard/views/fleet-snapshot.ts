// One tick's view of the fleet: every vehicle as a table row (names, alarms), the summary, and the table query (filter, sort, window); pure.
import {
  type DeviceState,
  type FleetRow,
  type FleetRowsBody,
  type FleetSummaryBody,
  type FleetTableQuery,
  SPEED_BUCKET_KMH,
  SPEED_BUCKETS,
} from '../../core/dashboard-contract.js';
import type { LiveRow } from '../device-board.js';
import { fleetColumns } from '../fleet-values.js';

export interface SnapshotInput {
  rows: readonly LiveRow[];
  name: (deviceId: string) => string | null;
  alarms: ReadonlyMap<string, number>;
  activeAlarms: number;
  readingsPerS: number;
  now: number;
}

interface Entry {
  row: FleetRow;
  lastSeenAt: number | null;
  fixAt: number | null;
  /** Lower-cased id and name, for the text filter. */
  haystack: string;
}

const STATUS_ORDER: Record<DeviceState, number> = { online: 0, warning: 1, offline: 2 };
/** Ids sort as people expect (vehicle_2 before vehicle_10); a collator is much faster than localeCompare. */
const collator = new Intl.Collator('en', { numeric: true });

type Compare = (a: Entry, b: Entry) => number;
/** Ascending comparators; empty values (no name, no speed, never seen) go last in either order. */
const COMPARE: Record<Exclude<FleetTableQuery['sort'], 'id'>, Compare> = {
  name: (a, b) => nullsLast(a.row.name, b.row.name, (x, y) => collator.compare(x, y)),
  status: (a, b) => STATUS_ORDER[a.row.status] - STATUS_ORDER[b.row.status],
  speed: (a, b) => nullsLast(a.row.speed, b.row.speed, (x, y) => x - y),
  last_seen: (a, b) => nullsLast(a.lastSeenAt, b.lastSeenAt, (x, y) => x - y),
  alarms: (a, b) => a.row.alarms - b.row.alarms,
  fuel_pct: (a, b) => nullsLast(a.row.fuel_pct, b.row.fuel_pct, (x, y) => x - y),
  battery_v: (a, b) => nullsLast(a.row.battery_v, b.row.battery_v, (x, y) => x - y),
  ignition: (a, b) => nullsLast(a.row.ignition, b.row.ignition, (x, y) => Number(x) - Number(y)),
  fix_at: (a, b) => nullsLast(a.fixAt, b.fixAt, (x, y) => x - y),
};

function nullsLast<T>(a: T | null, b: T | null, compare: (a: T, b: T) => number): number {
  if (a === null) return b === null ? 0 : Number.POSITIVE_INFINITY;
  if (b === null) return Number.NEGATIVE_INFINITY;
  return compare(a, b);
}

/**
 * Built once per tick and shared by every client: the per-client work is a filter and a sort of
 * references, cached by query (most clients ask the same order).
 */
export class FleetSnapshot {
  private readonly byId: Entry[];
  private readonly index = new Map<string, Entry>();
  private readonly sorted = new Map<string, Entry[]>();
  readonly summary: FleetSummaryBody;

  constructor(input: SnapshotInput) {
    const histogram = new Array<number>(SPEED_BUCKETS).fill(0);
    const counts = { online: 0, warning: 0, offline: 0 };
    this.byId = input.rows.map((r) => {
      const name = input.name(r.deviceId);
      const row: FleetRow = {
        device_id: r.deviceId,
        name,
        status: r.status,
        speed: r.speed,
        timestamp: r.timestamp,
        last_seen: r.lastSeenAt === undefined ? null : new Date(r.lastSeenAt).toISOString(),
        alarms: input.alarms.get(r.deviceId) ?? 0,
        ...fleetColumns(r.fleet),
      };
      counts[r.status] += 1;
      if (r.status !== 'offline' && r.speed !== null) {
        const bucket = Math.min(
          SPEED_BUCKETS - 1,
          Math.max(0, Math.floor(r.speed / SPEED_BUCKET_KMH)),
        );
        histogram[bucket] = (histogram[bucket] ?? 0) + 1;
      }
      const entry: Entry = {
        row,
        lastSeenAt: r.lastSeenAt ?? null,
        fixAt: r.fleet.fixAt ?? null,
        haystack: `${r.deviceId}\n${name ?? ''}`.toLowerCase(),
      };
      this.index.set(r.deviceId, entry);
      return entry;
    });
    this.byId.sort((a, b) => collator.compare(a.row.device_id, b.row.device_id));
    this.summary = {
      devices: this.byId.length,
      ...counts,
      active_alarms: input.activeAlarms,
      readings_per_s: input.readingsPerS,
      speed_histogram: histogram,
      server_time: new Date(input.now).toISOString(),
    };
  }

  /** The rows of a query's window, and how many match it. */
  table(q: FleetTableQuery): { total: number; rows: FleetRow[] } {
    const all = this.ordered(q);
    return { total: all.length, rows: all.slice(q.offset, q.offset + q.limit).map((e) => e.row) };
  }

  private ordered(q: FleetTableQuery): Entry[] {
    const key = JSON.stringify([q.sort, q.order, q.text, q.status, q.alarm]);
    const cached = this.sorted.get(key);
    if (cached) return cached;
    const text = q.text.trim().toLowerCase();
    let list = this.byId.filter(
      (e) =>
        (q.status === 'all' || e.row.status === q.status) &&
        (!q.alarm || e.row.alarms > 0) &&
        (text === '' || e.haystack.includes(text)),
    );
    if (q.sort !== 'id') {
      const compare = COMPARE[q.sort];
      // Array#sort is stable: equal keys keep id order, in either direction.
      list.sort(q.order === 'asc' ? compare : (a, b) => nullsFirstFlip(compare, a, b));
    } else if (q.order === 'desc') {
      list = list.reverse();
    }
    this.sorted.set(key, list);
    return list;
  }

  /** The watched vehicles that exist, in the order asked. */
  vehicles(ids: readonly string[]): FleetRow[] {
    return ids.flatMap((id) => this.index.get(id)?.row ?? []);
  }

  rowsBody(q: FleetTableQuery | null, vehicles: readonly string[]): FleetRowsBody {
    const window = q ? this.table(q) : { total: 0, rows: [] };
    return { ...window, offset: q?.offset ?? 0, vehicles: this.vehicles(vehicles) };
  }
}

/** Descending, but empty values still last. */
function nullsFirstFlip(compare: Compare, a: Entry, b: Entry): number {
  const c = compare(a, b);
  if (c === Number.POSITIVE_INFINITY || c === Number.NEGATIVE_INFINITY) return c;
  return -c;
}
