// The last minute of each vehicle's speed, one sample per tick with a new reading: a row's sparkline as it enters a client's table.
import { SPARK_SAMPLES } from '../../core/dashboard-contract.js';
import type { LiveRow } from '../device-board.js';

interface Ring {
  values: Float32Array;
  /** Next write position; `filled` samples are valid. */
  next: number;
  filled: number;
  timestamp: string | null;
}

/**
 * Why on the server: a row scrolled into view, or a page just opened, should show its last minute
 * at once, not start empty. Memory is fixed (60 floats per vehicle: 2.4 MB at 10,000).
 */
export class SparkRing {
  private readonly rings = new Map<string, Ring>();

  /** Once a tick: each vehicle's latest speed, if it is a reading not sampled yet. */
  sample(rows: readonly LiveRow[]): void {
    for (const r of rows) {
      if (r.speed === null || r.timestamp === null) continue;
      let ring = this.rings.get(r.deviceId);
      if (!ring) {
        ring = { values: new Float32Array(SPARK_SAMPLES), next: 0, filled: 0, timestamp: null };
        this.rings.set(r.deviceId, ring);
      }
      if (ring.timestamp === r.timestamp) continue;
      ring.timestamp = r.timestamp;
      ring.values[ring.next] = r.speed;
      ring.next = (ring.next + 1) % SPARK_SAMPLES;
      ring.filled = Math.min(SPARK_SAMPLES, ring.filled + 1);
    }
  }

  /** Oldest first, rounded to 0.1 km/h (it is a sparkline). */
  of(deviceId: string): number[] {
    const ring = this.rings.get(deviceId);
    if (!ring) return [];
    const out: number[] = [];
    for (let i = ring.filled; i > 0; i--) {
      const v = ring.values[(ring.next - i + SPARK_SAMPLES) % SPARK_SAMPLES] as number;
      out.push(Math.round(v * 10) / 10);
    }
    return out;
  }
}
