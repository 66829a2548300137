// Start-up of the InfluxDB store: checkpoints, the points above them, and a one-time full read of older stores.
import type { Logger } from '../log.js';
import {
  type Checkpoint,
  compareNs,
  decodeCheckpoints,
  NO_TIME,
  type NsTime,
  pointNs,
} from './influx-checkpoint.js';
import type { InfluxHttp, InfluxSeries } from './influx-http.js';
import type { InfluxLayout } from './influx-layout.js';
import { deviceOf, timeSeqPairs } from './influx-rows.js';
import type { InfluxSignals } from './influx-signals.js';
import { checkpointsQuery, recomputeStatements } from './influx-tier-ql.js';
import { deviceTagValuesQuery, seqsQuery, sinceNs } from './influxql.js';
import { HOUR_MS, MINUTE_MS } from './rollup.js';
import { type Coverage, cloneCoverage, cover, emptyCoverage } from './seq-coverage.js';

/** One device as found at start. */
export interface LoadedDevice {
  deviceId: string;
  checkpoint: Checkpoint | undefined;
  /** The checkpoint's coverage plus every seq read back above it. */
  coverage: Coverage;
  lastSeen: number;
  /** Newest point time seen (read back, or vouched for by the checkpoint). */
  newest: NsTime | undefined;
  /** Device times (ms) of the points read back: their buckets are recomputed from raw. */
  readBack: { from: number; to: number } | undefined;
  /** No checkpoint: written by an older version (or before the policies existed); read in full. */
  legacy: boolean;
}

const READ_BACK_PER_REQUEST = 100;
const RECOMPUTE_PER_REQUEST = 20;
/** One recompute statement covers at most this much time, so no single query runs for long. */
const RECOMPUTE_SLICE_MS = 7 * 86_400_000;

/** Devices with raw points, from the index (no point is read). */
async function taggedDevices(http: InfluxHttp, layout: InfluxLayout): Promise<string[]> {
  const [series] = await http.queryEach([deviceTagValuesQuery(layout.raw)], layout.raw.database);
  const out: string[] = [];
  for (const s of series ?? []) {
    const v = s.columns.indexOf('value');
    for (const row of s.values) if (typeof row[v] === 'string') out.push(row[v] as string);
  }
  return out;
}

export async function readCheckpoints(
  http: InfluxHttp,
  layout: InfluxLayout,
): Promise<Map<string, Checkpoint>> {
  const [series] = await http.queryEach([checkpointsQuery(layout.coverage)], layout.raw.database);
  return decodeCheckpoints(series ?? [], deviceOf);
}

/**
 * Folds one chunk of (time, seq) rows into a device: seqs sorted within the chunk and covered as
 * runs, so a chunk of 10,000 in-order readings costs one cover() call, and memory holds one chunk.
 */
function absorb(device: LoadedDevice, series: InfluxSeries): void {
  const pairs = timeSeqPairs(series);
  if (pairs.length === 0) return;
  const seqs = new Float64Array(pairs.length);
  for (let i = 0; i < pairs.length; i++) {
    const [time, seq] = pairs[i] as [number, number];
    seqs[i] = seq;
    const t = pointNs(time, seq);
    if (!device.newest || compareNs(t, device.newest) > 0) device.newest = t;
    if (time > device.lastSeen) device.lastSeen = time;
    const range = device.readBack;
    if (!range) device.readBack = { from: time, to: time };
    else {
      if (time < range.from) range.from = time;
      if (time > range.to) range.to = time;
    }
  }
  seqs.sort();
  let lo = seqs[0] as number;
  let hi = lo;
  for (let i = 1; i < seqs.length; i++) {
    const s = seqs[i] as number;
    if (s <= hi + 1) hi = Math.max(hi, s);
    else {
      cover(device.coverage, lo, hi);
      lo = s;
      hi = s;
    }
  }
  cover(device.coverage, lo, hi);
}

/**
 * Every device's coverage: the newest checkpoint each, then the points at or after its `scan`
 * bound (usually the last second before the previous stop), streamed (those `only` selects: a
 * partition taken over by one of several collectors). Devices with raw points
 * but no checkpoint are read in full, one at a time and streamed in chunks of 10,000 rows.
 */
export async function loadDevices(
  http: InfluxHttp,
  layout: InfluxLayout,
  log: Logger | undefined,
  only: (deviceId: string) => boolean = () => true,
): Promise<LoadedDevice[]> {
  const [allCheckpoints, allTagged] = await Promise.all([
    readCheckpoints(http, layout),
    taggedDevices(http, layout),
  ]);
  // Several collectors: a partition taken over loads its own devices only (one row each to filter).
  const checkpoints = new Map([...allCheckpoints].filter(([id]) => only(id)));
  const tagged = allTagged.filter(only);
  const devices: LoadedDevice[] = [];
  for (const [deviceId, cp] of checkpoints) {
    devices.push({
      deviceId,
      checkpoint: cp,
      coverage: cloneCoverage(cp.coverage),
      lastSeen: cp.lastSeen,
      newest: undefined,
      readBack: undefined,
      legacy: false,
    });
  }
  for (let i = 0; i < devices.length; i += READ_BACK_PER_REQUEST) {
    const group = devices.slice(i, i + READ_BACK_PER_REQUEST);
    const statements = group.map((d) =>
      seqsQuery(
        d.deviceId,
        layout.raw,
        sinceNs(d.checkpoint?.scan.ms ?? 0, d.checkpoint?.scan.sub ?? 0),
      ),
    );
    await http.stream(statements, layout.raw.database, (k, s) => {
      const d = group[k];
      if (d) absorb(d, s);
    });
  }
  const legacy = tagged.filter((id) => !checkpoints.has(id));
  if (legacy.length > 0) {
    log?.info(
      { devices: legacy.length },
      'devices without a coverage checkpoint: reading their seqs once',
    );
  }
  for (const deviceId of legacy) {
    const d: LoadedDevice = {
      deviceId,
      checkpoint: undefined,
      coverage: emptyCoverage(),
      lastSeen: NO_TIME,
      newest: undefined,
      readBack: undefined,
      legacy: true,
    };
    const started = Date.now();
    await http.stream([seqsQuery(deviceId, layout.raw)], layout.raw.database, (_, s) =>
      absorb(d, s),
    );
    log?.info(
      {
        deviceId,
        highest: d.coverage.highest,
        watermark: d.coverage.watermark,
        ms: Date.now() - started,
      },
      'device read in full once (no checkpoint yet)',
    );
    devices.push(d);
  }
  return devices;
}

/**
 * Recomputes, from raw points, the buckets of everything read back (server-side SELECT INTO, every
 * signal): 1-minute buckets first, then the hours from them. Buckets older than the raw policy's horizon
 * are left alone (their raw points may be gone; their rollups are what remains of them).
 */
export async function recomputeReadBack(
  http: InfluxHttp,
  layout: InfluxLayout,
  devices: readonly LoadedDevice[],
  now: number,
  signals: InfluxSignals,
): Promise<number> {
  const horizon =
    layout.retention.rawMs > 0 ? now - layout.retention.rawMs : Number.NEGATIVE_INFINITY;
  const minutes: string[] = [];
  const hours: string[] = [];
  for (const d of devices) {
    if (!d.readBack) continue;
    const from = Math.max(d.readBack.from, Math.ceil(horizon / HOUR_MS) * HOUR_MS);
    if (from > d.readBack.to) continue;
    const slices = (bucketMs: number, into: string[], finerIsRaw: boolean) => {
      const last = Math.floor((d.readBack?.to ?? 0) / bucketMs) * bucketMs;
      for (let a = Math.floor(from / bucketMs) * bucketMs; a <= last; a += RECOMPUTE_SLICE_MS) {
        const b = Math.min(last, a + RECOMPUTE_SLICE_MS - bucketMs);
        const [finer, target] = finerIsRaw
          ? [layout.raw, layout.oneMinute]
          : [layout.oneMinute, layout.oneHour];
        into.push(
          ...recomputeStatements(d.deviceId, a, b, bucketMs, finer, target, finerIsRaw, signals),
        );
      }
    };
    slices(MINUTE_MS, minutes, true);
    slices(HOUR_MS, hours, false);
  }
  const all = [...minutes, ...hours];
  for (let i = 0; i < all.length; i += RECOMPUTE_PER_REQUEST) {
    await http.queryEach(all.slice(i, i + RECOMPUTE_PER_REQUEST), layout.raw.database);
  }
  return all.length;
}

/** Recompute-and-read rounds of a load at most (one, plus one per old write landing meanwhile). */
const SETTLE_ROUNDS = 5;

/**
 * The devices' coverage (loadDevices) and, with `signals` (a tiered writer), their read-back
 * buckets recomputed from raw, in agreement. Why read again: a write the previous owner (or the
 * previous process) sent before its lease lapsed can land at influxd meanwhile; landing between
 * the coverage read and the recompute it was counted by the recompute but missing from the
 * coverage, so its redelivery was added to the rollups a second time (the failover drill's "raw
 * 1320, 1m 1321, 1h 1321"). The coverage is read again after each recompute until nothing new
 * appeared during one: that recompute saw exactly the points the coverage holds, and what lands
 * later is in neither (its redelivery is counted once, as new).
 */
export async function loadSettled(
  http: InfluxHttp,
  layout: InfluxLayout,
  log: Logger | undefined,
  signals: InfluxSignals | undefined,
  only?: (deviceId: string) => boolean,
): Promise<{ devices: LoadedDevice[]; recomputed: number }> {
  let devices = await loadDevices(http, layout, log, only);
  let recomputed = 0;
  if (!signals) return { devices, recomputed };
  for (let round = 1; ; round++) {
    recomputed += await recomputeReadBack(http, layout, devices, Date.now(), signals);
    const again = await loadDevices(http, layout, log, only);
    const same = sameCoverage(devices, again);
    devices = again;
    if (same) return { devices, recomputed };
    log?.info({ round }, 'points landed while their buckets were recomputed: recomputing again');
    if (round === SETTLE_ROUNDS) {
      log?.warn({ rounds: round }, 'points still landing after the recompute; going on');
      return { devices, recomputed };
    }
  }
}

/** The same devices with the same coverage and newest point. */
function sameCoverage(a: readonly LoadedDevice[], b: readonly LoadedDevice[]): boolean {
  if (a.length !== b.length) return false;
  const key = (d: LoadedDevice) => JSON.stringify([d.coverage, d.newest]);
  const before = new Map(a.map((d) => [d.deviceId, key(d)]));
  return b.every((d) => before.get(d.deviceId) === key(d));
}
