// Per-device sequence tracking: the contiguous watermark acknowledged end to end, gaps, duplicates, last seen.

export interface GapEvent {
  deviceId: string;
  from: number;
  to: number;
}

interface Track {
  /** Every seq 0..watermark is stored or was declared dropped by the device; -1: none yet. */
  watermark: number;
  /** Covered seq ranges above watermark + 1: sorted, disjoint, non-adjacent. */
  above: Array<[number, number]>;
  highest: number;
  lastSeenAt: number;
}

export interface TrackSnapshot {
  watermark: number;
  highest: number;
  /** Seqs between the watermark and the highest seen that are not stored (open gaps). */
  missing: number;
  lastSeenAt: number;
}

/** Ranges kept per device above its watermark; past this the newest are forgotten (the safe side:
 * a forgotten range only holds the watermark back until the device resends it). */
const MAX_RANGES = 10_000;

export class SeqTracker {
  private readonly tracks = new Map<string, Track>();
  gapsOpened = 0;
  gapsFilled = 0;
  duplicates = 0;
  /** Seqs devices declared dropped (evicted from a full queue) that were never stored. */
  declaredDropped = 0;

  constructor(
    private readonly onGap: (gap: GapEvent) => void = () => {},
    private readonly onFill: (deviceId: string, seq: number) => void = () => {},
  ) {}

  /** Rebuilds a device's state from the seqs the store holds (ascending), e.g. at start-up. */
  load(deviceId: string, storedSeqs: readonly number[]): void {
    const track = this.track(deviceId);
    for (const seq of storedSeqs) this.cover(track, seq, seq);
    track.highest = Math.max(track.highest, storedSeqs.at(-1) ?? -1);
  }

  /** A stored reading: 'new', or 'duplicate' when its seq was already covered. */
  observe(deviceId: string, seq: number, at: number): 'new' | 'duplicate' {
    const track = this.track(deviceId);
    track.lastSeenAt = at;
    if (this.covered(track, seq)) {
      this.duplicates += 1;
      return 'duplicate';
    }
    if (seq > track.highest + 1) {
      this.gapsOpened += 1;
      this.onGap({ deviceId, from: track.highest + 1, to: seq - 1 });
    } else if (seq < track.highest) {
      this.gapsFilled += 1;
      this.onFill(deviceId, seq);
    }
    this.cover(track, seq, seq);
    track.highest = Math.max(track.highest, seq);
    return 'new';
  }

  /** The device no longer holds from..to: count what was never stored and move past it. */
  skip(deviceId: string, from: number, to: number): void {
    const track = this.track(deviceId);
    let uncovered = 0;
    for (const [a, b] of this.uncoveredRanges(track, from, to)) uncovered += b - a + 1;
    this.declaredDropped += uncovered;
    this.cover(track, from, to);
    track.highest = Math.max(track.highest, to);
  }

  watermark(deviceId: string): number {
    return this.tracks.get(deviceId)?.watermark ?? -1;
  }

  missing(deviceId: string): number {
    const t = this.tracks.get(deviceId);
    if (!t) return 0;
    const coveredAbove = t.above.reduce((n, [a, b]) => n + (b - a + 1), 0);
    return Math.max(0, t.highest - t.watermark - coveredAbove);
  }

  deviceIds(): string[] {
    return [...this.tracks.keys()];
  }

  snapshot(): Record<string, TrackSnapshot> {
    const out: Record<string, TrackSnapshot> = {};
    for (const [id, t] of this.tracks) {
      out[id] = {
        watermark: t.watermark,
        highest: t.highest,
        missing: this.missing(id),
        lastSeenAt: t.lastSeenAt,
      };
    }
    return out;
  }

  private track(deviceId: string): Track {
    let t = this.tracks.get(deviceId);
    if (!t) {
      t = { watermark: -1, above: [], highest: -1, lastSeenAt: 0 };
      this.tracks.set(deviceId, t);
    }
    return t;
  }

  private covered(t: Track, seq: number): boolean {
    if (seq <= t.watermark) return true;
    return t.above.some(([a, b]) => seq >= a && seq <= b);
  }

  private uncoveredRanges(t: Track, from: number, to: number): Array<[number, number]> {
    const out: Array<[number, number]> = [];
    let cursor = Math.max(from, t.watermark + 1);
    for (const [a, b] of t.above) {
      if (cursor > to) break;
      if (b < cursor) continue;
      if (a > cursor) out.push([cursor, Math.min(to, a - 1)]);
      cursor = Math.max(cursor, b + 1);
    }
    if (cursor <= to) out.push([cursor, to]);
    return out;
  }

  /** Marks from..to covered, merging ranges and advancing the watermark over adjacent ones. */
  private cover(t: Track, from: number, to: number): void {
    if (to <= t.watermark) return;
    if (from <= t.watermark + 1 && t.above.length === 0) {
      t.watermark = to; // the common case: the next seq in order
      return;
    }
    let lo = Math.max(from, t.watermark + 1);
    let hi = to;
    const kept: Array<[number, number]> = [];
    for (const [a, b] of t.above) {
      if (b < lo - 1 || a > hi + 1) kept.push([a, b]);
      else {
        lo = Math.min(lo, a);
        hi = Math.max(hi, b);
      }
    }
    kept.push([lo, hi]);
    kept.sort((x, y) => x[0] - y[0]);
    while (kept.length > 0 && (kept[0]?.[0] ?? Number.POSITIVE_INFINITY) <= t.watermark + 1) {
      const first = kept.shift();
      if (first) t.watermark = Math.max(t.watermark, first[1]);
    }
    t.above = kept.length > MAX_RANGES ? kept.slice(0, MAX_RANGES) : kept;
  }
}
