// One timer for a whole fleet: vehicles due in the same slot take their readings in one transaction.

export interface WheelMember {
  /** Appends this slot's reading to the queue (inside the slot's transaction). */
  takeReading(): void;
  /** After the commit: publish what was appended. */
  afterCommit(): void;
}

export interface TickWheelOptions {
  intervalMs: number;
  /** Granularity: readings of one slot are taken together (their timestamps differ by < slotMs). */
  slotMs: number;
  /** Runs the slot's appends in one transaction. */
  batch: (work: () => void) => void;
  now?: () => number;
}

/**
 * A timing wheel: member i sits in the slot of its phase. Ticks are scheduled against the start
 * time, so the cadence does not drift; when the process falls more than one interval behind, the
 * missed slots are skipped (and counted), as a sensor does not backfill readings it never took.
 */
export class TickWheel {
  private readonly slots: WheelMember[][];
  private timer: NodeJS.Timeout | undefined;
  private origin = 0;
  private next = 0;
  skipped = 0;

  constructor(private readonly options: TickWheelOptions) {
    const count = Math.max(1, Math.round(options.intervalMs / options.slotMs));
    this.slots = Array.from({ length: count }, () => []);
  }

  private get slotMs(): number {
    return this.options.intervalMs / this.slots.length;
  }

  add(member: WheelMember, phaseMs: number): void {
    const index = Math.floor(phaseMs / this.slotMs) % this.slots.length;
    this.slots[index]?.push(member);
  }

  /** Takes a member off the wheel (a vehicle given its own interval by command). */
  remove(member: WheelMember): void {
    for (const slot of this.slots) {
      const i = slot.indexOf(member);
      if (i >= 0) slot.splice(i, 1);
    }
  }

  start(): void {
    this.origin = (this.options.now ?? Date.now)();
    this.next = 0;
    this.schedule();
  }

  private schedule(): void {
    const now = (this.options.now ?? Date.now)();
    let due = this.origin + this.next * this.slotMs;
    const behind = Math.floor((now - due) / this.options.intervalMs);
    if (behind >= 1) {
      const slotsBehind = behind * this.slots.length;
      this.skipped += slotsBehind;
      this.next += slotsBehind;
      due += slotsBehind * this.slotMs;
    }
    this.timer = setTimeout(() => this.fire(), Math.max(0, due - now));
  }

  private fire(): void {
    const members = this.slots[this.next % this.slots.length] ?? [];
    this.next += 1;
    if (members.length > 0) {
      this.options.batch(() => {
        for (const m of members) m.takeReading();
      });
      for (const m of members) m.afterCommit();
    }
    if (this.timer) this.schedule();
  }

  stop(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}
