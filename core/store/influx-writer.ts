// The write side of the InfluxDB store: an interface with a 1.x (/write) and a v2 (/api/v2/write) version.
import type { InfluxPoint } from './influx-points.js';

/** Points per HTTP request: the collector's batches (5,000) go out in one request each. */
export const WRITE_CHUNK = 5000;

export interface PointWriter {
  /** Resolves only after InfluxDB answered 2xx for every point; rejects otherwise (no retry here). */
  write(points: readonly InfluxPoint[]): Promise<void>;
  /**
   * Line protocol (ns times) into a retention policy (1.x; undefined: the bucket's or database's
   * default). The store's rollups and coverage checkpoints go this way.
   */
  writeLines(lines: readonly string[], retentionPolicy: string | undefined): Promise<void>;
  close(): Promise<void>;
}

/** Runs writes one after another: a write's 2xx must cover exactly its own points. */
export class SerialWrites {
  private tail: Promise<unknown> = Promise.resolve();

  run<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work);
    this.tail = next.catch(() => {});
    return next;
  }

  /** Waits for the writes already started. */
  async idle(): Promise<void> {
    await this.tail;
  }
}
