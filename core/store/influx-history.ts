// History on InfluxDB: planHistory's tier pieces, minus the buckets a device's newest readings may not be counted in yet.
import type { HistoryPiece } from './history-plan.js';
import { HOUR_MS, MINUTE_MS } from './rollup.js';

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
