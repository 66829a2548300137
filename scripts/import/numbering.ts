// Seqs for rows that have none (an InfluxDB export): each device's rows in file order, above its highest stored seq.

/** Where a device stood in the store when the import began. */
export interface DeviceStart {
  deviceId: string;
  /** Highest seq covered; -1: none. */
  highest: number;
  /** Device time of its newest stored reading (ms); undefined: none. */
  newest: number | undefined;
}

export type NumberingVerdict =
  /** Numbered: store it. */
  | 'new'
  /** Not newer than the device's newest stored reading: already imported, or older history. */
  | 'stored'
  /** Same time as the device's previous row in the file: InfluxDB holds one point per time. */
  | 'repeat'
  /** Older than the device's previous row in the file: the file is not in time order. */
  | 'out_of_order';

interface DeviceState {
  next: number;
  storedNewest: number;
  fileNewest: number;
}

/**
 * InfluxDB identifies a point by its series and time, our store a reading by (device_id, seq), so
 * a row without seq is new only when it is newer than anything stored for its device. That makes
 * importing the same export twice (or again after an interruption) store nothing twice; it also
 * means such a file must be in time order per device, as InfluxDB exports are.
 */
export class SeqNumbering {
  private readonly devices = new Map<string, DeviceState>();

  constructor(private readonly start: ReadonlyMap<string, DeviceStart>) {}

  /** Decides a row of `deviceId` at `time` (ms); for 'new', `seq` is the number it gets. */
  number(deviceId: string, time: number): { verdict: NumberingVerdict; seq: number } {
    let d = this.devices.get(deviceId);
    if (!d) {
      const s = this.start.get(deviceId);
      d = {
        next: (s?.highest ?? -1) + 1,
        storedNewest: s?.newest ?? Number.NEGATIVE_INFINITY,
        fileNewest: Number.NEGATIVE_INFINITY,
      };
      // A copy, so the key does not pin the chunk of text it was sliced from.
      this.devices.set(Buffer.from(deviceId).toString(), d);
    }
    if (time <= d.storedNewest) return { verdict: 'stored', seq: -1 };
    if (time === d.fileNewest) return { verdict: 'repeat', seq: -1 };
    if (time < d.fileNewest) return { verdict: 'out_of_order', seq: -1 };
    d.fileNewest = time;
    const seq = d.next;
    d.next += 1;
    return { verdict: 'new', seq };
  }
}
