// History on InfluxDB, one signal at a time: planHistory's tier pieces, minus the buckets a device's newest readings may not be counted in yet.
import type { SignalDef } from '../signals/catalog.js';
import { type HistoryPiece, mergeWindows, planHistory, type WindowRow } from './history-plan.js';
import { decodeCheckpoints } from './influx-checkpoint.js';
import type { InfluxConnection } from './influx-connect.js';
import type { InfluxSeries } from './influx-http.js';
import { booleanMinMax } from './influx-signals.js';
import { checkpointQuery, windowStatement } from './influx-tier-ql.js';
import { isQueryableDeviceId } from './influxql.js';
import { HOUR_MS, MINUTE_MS } from './rollup.js';
import { type HistoryQuery, type HistoryResult, historyWindow } from './types.js';

/**
 * Rollup buckets are written a moment after their readings (the store adds a flush's worth at a
 * time), so a reader cannot trust the buckets at or after the device's checkpoint bound `cutMs`:
 * readings from there on may be stored but not counted yet. Those buckets are answered from the
 * next finer tier that is complete there, down to raw points; the rest as planned. Every bucket
 * before the cut is exact (the checkpoint was written after its rollups), so the answer equals
 * one computed from raw points. Pieces stay inside the planned ones, so windows still merge.
 */
export function cutPieces(pieces: readonly HistoryPiece[], cutMs: number): HistoryPiece[] {
  const minuteCut = Math.floor(cutMs / MINUTE_MS) * MINUTE_MS;
  const hourCut = Math.floor(cutMs / HOUR_MS) * HOUR_MS;
  const out: HistoryPiece[] = [];
  for (const p of pieces) {
    if (p.tier === 'raw') {
      out.push(p);
      continue;
    }
    const bucketMs = p.tier === '1h' ? HOUR_MS : MINUTE_MS;
    const tierCut = p.tier === '1h' ? hourCut : minuteCut;
    // Buckets that start before the tier's cut end at or before the checkpoint bound.
    if (p.from < tierCut)
      out.push({ tier: p.tier, from: p.from, to: Math.min(p.to, tierCut - bucketMs) });
    const restFrom = Math.max(p.from, tierCut);
    if (restFrom > p.to) continue;
    const restTo = p.to + bucketMs - 1; // the last bucket's end
    if (p.tier === '1h' && restFrom < minuteCut) {
      out.push({
        tier: '1m',
        from: restFrom,
        to: Math.min(restTo + 1 - MINUTE_MS, minuteCut - MINUTE_MS),
      });
    }
    const rawFrom = Math.max(restFrom, minuteCut);
    if (rawFrom <= restTo) out.push({ tier: 'raw', from: rawFrom, to: restTo });
  }
  return out;
}

/** A column's number, or undefined for null (a window without the signal). */
function numberAt(
  series: InfluxSeries,
  row: readonly unknown[],
  column: string,
): number | undefined {
  const v = row[series.columns.indexOf(column)];
  return typeof v === 'number' ? v : undefined;
}

/**
 * A device's history of one signal: planHistory's pieces (tiered layout) cut at its checkpoint's
 * bound, every piece one statement (a boolean's raw piece two: count, count true) in one request,
 * windows merged. Without tiers (flat, blind), raw only.
 */
export async function readHistory(
  conn: InfluxConnection,
  q: HistoryQuery,
  def: SignalDef,
): Promise<HistoryResult> {
  const layout = await conn.currentLayout();
  let windowMs = historyWindow(q.from, q.to, q.maxPoints);
  if (!isQueryableDeviceId(q.deviceId)) return { windowMs, points: [] };
  let pieces: HistoryPiece[] = [{ tier: 'raw', from: q.from, to: q.to }];
  if (layout.mode === 'tiered') {
    const plan = planHistory(q.from, q.to, q.maxPoints, layout.retention, q.now);
    windowMs = plan.windowMs;
    const [answer] = await conn.queryEach([checkpointQuery(q.deviceId, layout.coverage)]);
    const cp = decodeCheckpoints(answer ?? [], () => q.deviceId).get(q.deviceId);
    const rawMs = layout.retention.rawMs;
    const rawHorizon = rawMs > 0 ? q.now - rawMs : Number.NEGATIVE_INFINITY;
    // No checkpoint: a device of an older store the collector has not opened yet, raw only.
    // A bound past the raw horizon: what is above it was dropped with its policy; tiers only.
    if (cp) pieces = cp.scan.ms < rawHorizon ? plan.pieces : cutPieces(plan.pieces, cp.scan.ms);
  }
  const source = { raw: layout.raw, '1m': layout.oneMinute, '1h': layout.oneHour };
  const boolean = def.type === 'boolean';
  // Statement i belongs to piece owner[i]; a boolean raw piece's second one counts true values.
  const statements: string[] = [];
  const owner: number[] = [];
  pieces.forEach((p, i) => {
    statements.push(windowStatement(p, q.deviceId, windowMs, source[p.tier], def));
    owner.push(i);
    if (boolean && p.tier === 'raw') {
      statements.push(windowStatement(p, q.deviceId, windowMs, source[p.tier], def, true));
      owner.push(i);
    }
  });
  const answers = await conn.queryEach(statements);
  // Per piece and window: a boolean piece's count and count true come from two statements.
  const perPiece = pieces.map(() => new Map<number, WindowRow>());
  answers.forEach((series, i) => {
    const windows = perPiece[owner[i] as number] as Map<number, WindowRow>;
    for (const s of series) {
      for (const row of s.values) {
        const time = numberAt(s, row, 'time');
        if (time === undefined) continue;
        const idx = Math.floor(time / windowMs);
        const w = windows.get(idx) ?? { idx, count: 0, sum: 0, min: Infinity, max: -Infinity };
        w.count += numberAt(s, row, 'count') ?? 0;
        w.sum += numberAt(s, row, 'sum') ?? 0;
        w.min = Math.min(w.min, numberAt(s, row, 'min') ?? Infinity);
        w.max = Math.max(w.max, numberAt(s, row, 'max') ?? -Infinity);
        windows.set(idx, w);
      }
    }
  });
  const rows: WindowRow[] = [];
  for (const windows of perPiece) {
    for (const w of windows.values()) {
      if (w.count === 0) continue;
      if (boolean) Object.assign(w, booleanMinMax(w.count, w.sum));
      rows.push(w);
    }
  }
  return { windowMs, points: mergeWindows(rows, windowMs) };
}
