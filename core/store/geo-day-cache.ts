// The inputs of a vehicle's day figures kept in memory: each trip's and stop's part of the day, by start, so a write sums the day again without reading and parsing every record of it.
import type { GeoDayFigures } from './geo-store.js';

/** A record's part of one day, with the record's start (its key). */
export interface RecordPart {
  start: number;
  part: GeoDayFigures;
}

/** One day of one vehicle: its trips' and its stops' parts, each list ordered by start. */
export interface DayParts {
  trips: RecordPart[];
  stops: RecordPart[];
}

/** Days kept per vehicle: a write touches today's and now and then yesterday's. */
const DAYS_PER_VEHICLE = 3;

/**
 * Why: every write of a vehicle's open trip summed its day again from the rows, reading and
 * parsing each trip and stop of that day (body included): a cost that grew with the day's
 * records, at every batch (5.8 % of the collector's CPU in the geo ingest bench, 10 vehicles with
 * a trip every 5 minutes). The lists here are what that read returned, kept up to date by the
 * writes themselves; the sum is the same arithmetic in the same order (sumDayParts).
 *
 * What keeps them true: only this process writes a vehicle's records while it owns the vehicle,
 * and it loads the vehicle (reading its checkpoint) each time it takes it over: `forget` there.
 * A recomputation's deletion forgets the vehicle too, and a failed transaction forgets everything.
 * Bounded by `maxParts` (least recently used vehicles go first).
 */
export class GeoDayCache {
  private readonly vehicles = new Map<string, Map<string, DayParts>>();
  private parts = 0;

  constructor(private readonly maxParts = 100_000) {}

  /** The vehicle's cached day, if any (marks the vehicle as recently used). */
  get(deviceId: string, day: string): DayParts | undefined {
    const days = this.vehicles.get(deviceId);
    if (!days) return undefined;
    this.vehicles.delete(deviceId);
    this.vehicles.set(deviceId, days);
    return days.get(day);
  }

  /** A day read from the rows. */
  set(deviceId: string, day: string, parts: DayParts): void {
    let days = this.vehicles.get(deviceId);
    if (!days) {
      days = new Map();
      this.vehicles.set(deviceId, days);
    }
    const had = days.get(day);
    if (had) this.parts -= had.trips.length + had.stops.length;
    days.set(day, parts);
    this.parts += parts.trips.length + parts.stops.length;
    while (days.size > DAYS_PER_VEHICLE) {
      const [oldest, p] = days.entries().next().value as [string, DayParts];
      days.delete(oldest);
      this.parts -= p.trips.length + p.stops.length;
    }
    while (this.parts > this.maxParts && this.vehicles.size > 1) {
      const [id] = this.vehicles.keys();
      if (id === deviceId) break;
      this.forget(id as string);
    }
  }

  /** A record written (inserted or replaced): its part of each cached day, or none. */
  put(deviceId: string, kind: keyof DayParts, start: number, days: readonly GeoDayFigures[]) {
    const cached = this.vehicles.get(deviceId);
    if (!cached) return;
    for (const [day, entry] of cached) {
      const list = entry[kind];
      const part = days.find((d) => d.day === day);
      const i = lowerBound(list, start);
      const same = list[i]?.start === start;
      if (part && same) (list[i] as RecordPart).part = part;
      else if (part) {
        list.splice(i, 0, { start, part });
        this.parts += 1;
      } else if (same) {
        list.splice(i, 1);
        this.parts -= 1;
      }
    }
  }

  forget(deviceId: string): void {
    const days = this.vehicles.get(deviceId);
    if (!days) return;
    for (const p of days.values()) this.parts -= p.trips.length + p.stops.length;
    this.vehicles.delete(deviceId);
  }

  clear(): void {
    this.vehicles.clear();
    this.parts = 0;
  }

  get size(): number {
    return this.parts;
  }
}

/** Index of the first part starting at or after `start`. */
function lowerBound(list: readonly RecordPart[], start: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((list[mid] as RecordPart).start < start) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
