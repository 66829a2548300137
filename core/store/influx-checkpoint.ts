// A device's coverage checkpoint in InfluxDB: one small point per device, and the bound above which to read back.
import { escape as lp } from '@influxdata/influxdb-client';
import type { InfluxSeries } from './influx-http.js';
import { SEQ_NS_SLOTS } from './influx-points.js';
import { MEASUREMENT_COVERAGE } from './influx-tier-ql.js';
import { DEVICE_TAG } from './influxql.js';
import { type Coverage, decodeAbove, encodeAbove } from './seq-coverage.js';

/** A point's time: the device millisecond plus the nanoseconds below it (seq mod 10^6). */
export interface NsTime {
  ms: number;
  sub: number;
}

export const NO_TIME = Number.MIN_SAFE_INTEGER;

export function compareNs(a: NsTime, b: NsTime): number {
  return a.ms !== b.ms ? a.ms - b.ms : a.sub - b.sub;
}

export function pointNs(timeMs: number, seq: number): NsTime {
  return { ms: timeMs, sub: seq % SEQ_NS_SLOTS };
}

/** The next nanosecond after t. */
export function afterNs(t: NsTime): NsTime {
  return t.sub + 1 < SEQ_NS_SLOTS ? { ms: t.ms, sub: t.sub + 1 } : { ms: t.ms + 1, sub: 0 };
}

/**
 * What a checkpoint promises: every reading in `coverage` is stored and counted in the rollups,
 * and every stored reading that is not has a point time at or after `scan`. So a restart reads
 * the checkpoint and then only the points at or after `scan` (and recomputes their buckets).
 * The writer keeps the promise by lowering `scan` (a checkpoint written before the points) when
 * a batch reaches below it, and by writing a checkpoint only after the rollups it vouches for.
 */
export interface Checkpoint {
  coverage: Coverage;
  scan: NsTime;
  /** Newest device timestamp covered (ms); NO_TIME when none. */
  lastSeen: number;
  /** The point's own time (ms, a day boundary): never moves back, so the newest is the latest. */
  at: number;
}

const DAY_MS = 86_400_000;
/** InfluxDB 1.x caps a string field at 64 KiB; the coverage ranges stay well below. */
const MAX_ABOVE_CHARS = 60_000;

/**
 * The point time for a checkpoint written at `now`: one point per device and day (each write of
 * the day overwrites it), never earlier than the device's previous checkpoint. A day-old point
 * in a policy that expires keeps the newest one alive as long as the device writes.
 */
export function checkpointTime(now: number, previous: number | undefined): number {
  const day = Math.floor(now / DAY_MS) * DAY_MS;
  return previous !== undefined && previous > day ? previous : day;
}

/** Ranges as a string field: too many to fit lose the highest ones (they only hold the ack back). */
function aboveField(above: Coverage['above']): string {
  let ranges = above;
  let text = encodeAbove(ranges) ?? '';
  while (text.length > MAX_ABOVE_CHARS) {
    ranges = ranges.slice(0, Math.floor(ranges.length / 2));
    text = encodeAbove(ranges) ?? '';
  }
  return text;
}

export function checkpointLine(deviceId: string, cp: Checkpoint): string {
  const c = cp.coverage;
  const fields = [
    `above="${aboveField(c.above)}"`,
    `highest=${c.highest}i`,
    `last_seen=${cp.lastSeen}i`,
    `scan_ms=${cp.scan.ms}i`,
    `scan_sub=${cp.scan.sub}i`,
    `watermark=${c.watermark}i`,
  ].join(',');
  const ns = (BigInt(cp.at) * 1_000_000n).toString();
  return `${lp.measurement(MEASUREMENT_COVERAGE)},${lp.tag(DEVICE_TAG)}=${lp.tag(deviceId)} ${fields} ${ns}`;
}

/** Checkpoints from checkpointsQuery()/checkpointQuery() answers, by device. */
export function decodeCheckpoints(
  series: readonly InfluxSeries[],
  deviceOf: (s: InfluxSeries) => string | undefined,
): Map<string, Checkpoint> {
  const out = new Map<string, Checkpoint>();
  for (const s of series) {
    const deviceId = deviceOf(s);
    const row = s.values[0];
    if (!deviceId || !row) continue;
    const at = (name: string) => row[s.columns.indexOf(name)];
    const int = (name: string) => {
      const v = at(name);
      if (typeof v !== 'number' || !Number.isSafeInteger(v)) {
        throw new Error(`coverage checkpoint of ${deviceId}: bad ${name} ${JSON.stringify(v)}`);
      }
      return v;
    };
    const above = at('above');
    out.set(deviceId, {
      coverage: {
        watermark: int('watermark'),
        highest: int('highest'),
        above: decodeAbove(typeof above === 'string' ? above : null),
      },
      scan: { ms: int('scan_ms'), sub: int('scan_sub') },
      lastSeen: int('last_seen'),
      at: int('time'),
    });
  }
  return out;
}
