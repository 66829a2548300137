// Per-device sequence tracking: last seen, gaps (missing seq) opened and filled, duplicates.

export interface GapEvent {
  deviceId: string;
  from: number;
  to: number;
}

export interface DeviceSeqState {
  highest: number;
  /** Missing seq ranges [from, to], ascending, still open. */
  missing: Array<[number, number]>;
  lastSeenAt: number;
}

/** Open gaps kept per device; beyond this the oldest are forgotten (and counted as such). */
const MAX_RANGES = 1000;

export class SeqTracker {
  private readonly devices = new Map<string, DeviceSeqState>();
  gapsOpened = 0;
  gapsFilled = 0;
  duplicates = 0;

  constructor(
    private readonly onGap: (gap: GapEvent) => void = () => {},
    private readonly onFill: (deviceId: string, seq: number) => void = () => {},
  ) {}

  /** Starts a device at a known highest seq (from the store) so a restart does not report gaps. */
  seed(deviceId: string, highest: number): void {
    if (!this.devices.has(deviceId))
      this.devices.set(deviceId, { highest, missing: [], lastSeenAt: 0 });
  }

  observe(deviceId: string, seq: number, at: number): void {
    const state = this.devices.get(deviceId);
    if (!state) {
      this.devices.set(deviceId, { highest: seq, missing: [], lastSeenAt: at });
      return;
    }
    state.lastSeenAt = at;
    if (seq === state.highest + 1) {
      state.highest = seq;
    } else if (seq > state.highest) {
      state.missing.push([state.highest + 1, seq - 1]);
      if (state.missing.length > MAX_RANGES) state.missing.shift();
      this.gapsOpened += 1;
      this.onGap({ deviceId, from: state.highest + 1, to: seq - 1 });
      state.highest = seq;
    } else if (this.fill(state, seq)) {
      this.gapsFilled += 1;
      this.onFill(deviceId, seq);
    } else {
      this.duplicates += 1;
    }
  }

  private fill(state: DeviceSeqState, seq: number): boolean {
    const i = state.missing.findIndex(([from, to]) => seq >= from && seq <= to);
    const range = state.missing[i];
    if (!range) return false;
    const [from, to] = range;
    const parts: Array<[number, number]> = [];
    if (from <= seq - 1) parts.push([from, seq - 1]);
    if (seq + 1 <= to) parts.push([seq + 1, to]);
    state.missing.splice(i, 1, ...parts);
    return true;
  }

  /** Seqs currently missing for a device (open gaps). */
  missingCount(deviceId: string): number {
    const state = this.devices.get(deviceId);
    return state ? state.missing.reduce((n, [from, to]) => n + (to - from + 1), 0) : 0;
  }

  /** Highest seq up to which nothing is missing (since the first seq seen). */
  contiguous(deviceId: string): number | undefined {
    const state = this.devices.get(deviceId);
    if (!state) return undefined;
    const first = state.missing[0];
    return first ? first[0] - 1 : state.highest;
  }

  snapshot(): Record<string, { highest: number; missing: number; lastSeenAt: number }> {
    const out: Record<string, { highest: number; missing: number; lastSeenAt: number }> = {};
    for (const [id, s] of this.devices) {
      out[id] = { highest: s.highest, missing: this.missingCount(id), lastSeenAt: s.lastSeenAt };
    }
    return out;
  }
}
