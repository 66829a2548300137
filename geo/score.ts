// The 0–100 driving score from a trip's or a day's totals (harsh events per distance, share of time above the limit); docs/driving-behaviour.md.
import type { ScoreConfig } from './config.js';

export interface ScoreInput {
  harshEvents: number;
  distanceKm: number;
  drivingS: number;
  overspeedS: number;
}

/**
 * score = 100 − P·events·100 / max(distance_km, D) − Q·100·overspeed_s / driving_s, clamped to
 * 0–100 and rounded to a whole number (P = pointsPerEventPer100Km, D = minDistanceKm,
 * Q = pointsPerOverspeedPct). Computed from sums, so a day's score is that of its trips together,
 * never an average of scores.
 */
export function drivingScore(x: ScoreInput, cfg: ScoreConfig): number {
  const per100Km = (x.harshEvents * 100) / Math.max(x.distanceKm, cfg.minDistanceKm);
  const overPct = x.drivingS > 0 ? (100 * x.overspeedS) / x.drivingS : 0;
  const raw = 100 - cfg.pointsPerEventPer100Km * per100Km - cfg.pointsPerOverspeedPct * overPct;
  return Math.round(Math.min(100, Math.max(0, raw)));
}
