// History on InfluxDB: planHistory's tier pieces, minus the buckets a device's newest readings may not be counted in yet.
import { type HistoryPiece, mergeWindows, planHistory, type WindowRow } from './history-plan.js';
import { decodeCheckpoints } from './influx-checkpoint.js';
import type { InfluxConnection } from './influx-connect.js';
import { rows } from './influx-rows.js';
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

/**
 * A device's history: planHistory's pieces (tiered layout) cut at its checkpoint's bound, every
 * piece one statement in one request, windows merged. Without tiers (flat, blind), raw only.
 */
export async function readHistory(conn: InfluxConnection, q: HistoryQuery): Promise<HistoryResult> {
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
  const answers = await conn.queryEach(
    pieces.map((p) => windowStatement(p, q.deviceId, windowMs, source[p.tier])),
  );
  const windows: WindowRow[] = [];
  for (const series of answers) {
    for (const s of series) {
      for (const r of rows(s)) {
        const count = r.num('count');
        if (count === 0) continue;
        const time = r.num('time');
        windows.push({
          idx: Math.floor(time / windowMs),
          count,
          sum: r.num('sum'),
          min: r.num('min'),
          max: r.num('max'),
        });
      }
    }
  }
  return { windowMs, points: mergeWindows(windows, windowMs) };
}
