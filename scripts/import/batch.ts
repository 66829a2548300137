// Batches of validated readings as columns: cheap to post from the parsing thread to the writing one.
import type { Reading } from '../../core/contract.js';

/**
 * Typed arrays and an array of strings clone in a fraction of the time an array of objects does
 * (measured: 25,000 readings as objects cost the receiving thread ~50 ms, as columns ~9 ms).
 * Device ids go as indexes into a list both sides keep: a batch carries only the names it adds.
 */
export interface ReadingColumns {
  count: number;
  devices: Uint32Array;
  seqs: Float64Array;
  speeds: Float64Array;
  timestamps: string[];
  /** Device ids first seen in this batch, appended in order to the receiver's list. */
  newNames: string[];
}

export class BatchBuilder {
  private readonly index = new Map<string, number>();
  private names = 0;
  private batch: ReadingColumns;
  private readonly full: ReadingColumns[] = [];

  constructor(private readonly size: number) {
    this.batch = this.fresh();
  }

  add(deviceId: string, seq: number, timestamp: string, speed: number): void {
    const b = this.batch;
    let id = this.index.get(deviceId);
    if (id === undefined) {
      id = this.names++;
      // A copy, so the map key does not pin the chunk of text it was sliced from.
      const name = Buffer.from(deviceId).toString();
      this.index.set(name, id);
      b.newNames.push(name);
    }
    const i = b.count;
    b.devices[i] = id;
    b.seqs[i] = seq;
    b.speeds[i] = speed;
    b.timestamps.push(timestamp);
    b.count = i + 1;
    if (b.count === this.size) {
      this.full.push(groupByDevice(b, this.names));
      this.batch = this.fresh();
    }
  }

  /** Full batches so far; with `flush`, the partial one too. */
  take(flush = false): ReadingColumns[] {
    if (flush && this.batch.count > 0) {
      this.full.push(groupByDevice(this.batch, this.names));
      this.batch = this.fresh();
    }
    return this.full.splice(0);
  }

  private fresh(): ReadingColumns {
    return {
      count: 0,
      devices: new Uint32Array(this.size),
      seqs: new Float64Array(this.size),
      speeds: new Float64Array(this.size),
      timestamps: [],
      newNames: [],
    };
  }
}

/**
 * The batch with each device's readings together, in their file order (a stable counting sort by
 * device). Nothing a store does depends on the order of different devices' readings in a write,
 * and SQLite inserts a device's run of consecutive keys into the same b-tree pages: measured
 * ~40 % more rows/s than a file that interleaves 10 vehicles reading by reading.
 */
export function groupByDevice(b: ReadingColumns, deviceCount: number): ReadingColumns {
  const starts = new Uint32Array(deviceCount + 1);
  for (let i = 0; i < b.count; i++) {
    const k = (b.devices[i] as number) + 1;
    starts[k] = (starts[k] as number) + 1;
  }
  for (let d = 1; d <= deviceCount; d++)
    starts[d] = (starts[d] as number) + (starts[d - 1] as number);
  const out: ReadingColumns = {
    count: b.count,
    devices: new Uint32Array(b.devices.length),
    seqs: new Float64Array(b.seqs.length),
    speeds: new Float64Array(b.speeds.length),
    timestamps: new Array<string>(b.count),
    newNames: b.newNames,
  };
  for (let i = 0; i < b.count; i++) {
    const d = b.devices[i] as number;
    const j = starts[d] as number;
    starts[d] = j + 1;
    out.devices[j] = d;
    out.seqs[j] = b.seqs[i] as number;
    out.speeds[j] = b.speeds[i] as number;
    out.timestamps[j] = b.timestamps[i] as string;
  }
  return out;
}

/** The receiving side: rebuilds readings, keeping the device list the batches extend. */
export class BatchReader {
  private readonly names: string[] = [];

  readings(b: ReadingColumns): Reading[] {
    for (const name of b.newNames) this.names.push(name);
    const out = new Array<Reading>(b.count);
    for (let i = 0; i < b.count; i++) {
      out[i] = {
        device_id: this.names[b.devices[i] as number] as string,
        seq: b.seqs[i] as number,
        timestamp: b.timestamps[i] as string,
        values: { speed: b.speeds[i] as number },
      };
    }
    return out;
  }
}
