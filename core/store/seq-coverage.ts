// Per-device seq coverage: which seqs a store holds (or a device declared dropped), as a watermark plus ranges.

/**
 * Every seq 0..watermark is covered; `above` lists covered ranges beyond watermark + 1 (sorted,
 * disjoint, non-adjacent). This is what makes dedupe and the end-to-end ack independent of the raw
 * rows: retention may delete a reading, its (device_id, seq) stays covered. It is a few numbers
 * per device, persisted with the readings it describes, so start-up reads it instead of every seq.
 */
export interface Coverage {
  watermark: number;
  above: Array<[number, number]>;
  /** Highest seq covered; -1: none. */
  highest: number;
}

/** What one write did to one device, and where it stands after. */
export interface DeviceProgress {
  deviceId: string;
  watermark: number;
  highest: number;
  /** Seqs between the watermark and the highest that are not covered (open gaps). */
  missing: number;
}

export interface GapEvent {
  deviceId: string;
  from: number;
  to: number;
}

/** Ranges kept per device above its watermark; past this the newest are forgotten (the safe side:
 * a forgotten range only holds the watermark back until the device resends it). */
const MAX_RANGES = 10_000;

export function emptyCoverage(): Coverage {
  return { watermark: -1, above: [], highest: -1 };
}

export function cloneCoverage(c: Coverage): Coverage {
  return { watermark: c.watermark, above: c.above.map(([a, b]) => [a, b]), highest: c.highest };
}

export function isCovered(c: Coverage, seq: number): boolean {
  if (seq <= c.watermark) return true;
  for (const [a, b] of c.above) {
    if (seq < a) return false;
    if (seq <= b) return true;
  }
  return false;
}

export function missingCount(c: Coverage): number {
  let coveredAbove = 0;
  for (const [a, b] of c.above) coveredAbove += b - a + 1;
  return Math.max(0, c.highest - c.watermark - coveredAbove);
}

export function progressOf(deviceId: string, c: Coverage): DeviceProgress {
  return { deviceId, watermark: c.watermark, highest: c.highest, missing: missingCount(c) };
}

/** Seqs of from..to that are not covered. */
export function uncoveredCount(c: Coverage, from: number, to: number): number {
  let n = 0;
  let cursor = Math.max(from, c.watermark + 1);
  for (const [a, b] of c.above) {
    if (cursor > to) break;
    if (b < cursor) continue;
    if (a > cursor) n += Math.min(to, a - 1) - cursor + 1;
    cursor = Math.max(cursor, b + 1);
  }
  if (cursor <= to) n += to - cursor + 1;
  return n;
}

/** Marks from..to covered, merging ranges and advancing the watermark over adjacent ones. */
export function cover(c: Coverage, from: number, to: number): void {
  if (to > c.highest) c.highest = to;
  if (to <= c.watermark) return;
  if (from <= c.watermark + 1 && c.above.length === 0) {
    c.watermark = to; // the common case: the next seq in order
    return;
  }
  let lo = Math.max(from, c.watermark + 1);
  let hi = to;
  const kept: Array<[number, number]> = [];
  for (const [a, b] of c.above) {
    if (b < lo - 1 || a > hi + 1) kept.push([a, b]);
    else {
      lo = Math.min(lo, a);
      hi = Math.max(hi, b);
    }
  }
  kept.push([lo, hi]);
  kept.sort((x, y) => x[0] - y[0]);
  let first = kept[0];
  while (first && first[0] <= c.watermark + 1) {
    c.watermark = Math.max(c.watermark, first[1]);
    kept.shift();
    first = kept[0];
  }
  c.above = kept.length > MAX_RANGES ? kept.slice(0, MAX_RANGES) : kept;
}

/** `above` as stored: null when empty (the usual case), else JSON pairs. */
export function encodeAbove(above: ReadonlyArray<readonly [number, number]>): string | null {
  return above.length === 0 ? null : JSON.stringify(above);
}

export function decodeAbove(text: string | null | undefined): Array<[number, number]> {
  if (!text) return [];
  const parsed: unknown = JSON.parse(text);
  if (!Array.isArray(parsed)) throw new Error('coverage ranges: not an array');
  return parsed.map((pair: unknown) => {
    if (
      !Array.isArray(pair) ||
      pair.length !== 2 ||
      !Number.isSafeInteger(pair[0]) ||
      !Number.isSafeInteger(pair[1])
    ) {
      throw new Error('coverage ranges: bad pair');
    }
    return [pair[0] as number, pair[1] as number];
  });
}
