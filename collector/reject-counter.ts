// Counts rejected messages by reason and logs them rate-limited, so a flood of garbage cannot flood the log.
import type { Logger } from '../core/log.js';
import type { SignalNote } from '../core/signals/telemetry-check.js';
import { REJECT_REASONS, type RejectReason } from '../core/validate.js';

/** (device, unknown key) pairs remembered so each is logged once; past this the oldest are forgotten. */
const UNKNOWN_PAIRS_REMEMBERED = 10_000;

export class RejectCounter {
  readonly counts: Record<RejectReason, number>;
  private readonly lastLogged = new Map<RejectReason, number>();
  private readonly suppressed = new Map<RejectReason, number>();
  /** invalid_signal: values dropped from accepted readings, by signal name. */
  readonly invalidSignals = new Map<string, number>();
  /** unknown_signal: keys ignored in accepted readings (not by key: keys are the sender's). */
  unknownSignals = 0;
  private readonly unknownLogged = new Set<string>();
  private invalidLoggedAt = Number.NEGATIVE_INFINITY;

  constructor(
    private readonly log: Logger,
    private readonly now: () => number,
    private readonly logEveryMs = 10_000,
  ) {
    this.counts = Object.fromEntries(REJECT_REASONS.map((r) => [r, 0])) as Record<
      RejectReason,
      number
    >;
  }

  get total(): number {
    return Object.values(this.counts).reduce((a, b) => a + b, 0);
  }

  /**
   * What an accepted reading had to leave out. An invalid value is counted by signal name and
   * logged rate-limited like rejects; an unknown key is counted and logged once per device and key.
   */
  signalNotes(deviceId: string, notes: readonly SignalNote[]): void {
    for (const n of notes) {
      if (n.reason === 'invalid_signal') {
        this.invalidSignals.set(n.signal, (this.invalidSignals.get(n.signal) ?? 0) + 1);
        const now = this.now();
        if (now - this.invalidLoggedAt >= this.logEveryMs) {
          this.invalidLoggedAt = now;
          this.log.warn(
            { device: deviceId, signal: n.signal, total: this.invalidSignals.get(n.signal) },
            'signal value invalid: dropped, the rest of the reading kept',
          );
        }
        continue;
      }
      this.unknownSignals += 1;
      const pair = `${deviceId}\n${n.signal}`;
      if (this.unknownLogged.has(pair)) continue;
      if (this.unknownLogged.size >= UNKNOWN_PAIRS_REMEMBERED) {
        const oldest = this.unknownLogged.values().next().value;
        if (oldest !== undefined) this.unknownLogged.delete(oldest);
      }
      this.unknownLogged.add(pair);
      this.log.info(
        { device: deviceId, key: n.signal },
        'unknown signal ignored (logged once per device and key)',
      );
    }
  }

  count(reason: RejectReason, topic: string, detail: string): void {
    this.counts[reason] += 1;
    const now = this.now();
    const last = this.lastLogged.get(reason);
    if (last !== undefined && now - last < this.logEveryMs) {
      this.suppressed.set(reason, (this.suppressed.get(reason) ?? 0) + 1);
      return;
    }
    const suppressed = this.suppressed.get(reason) ?? 0;
    this.lastLogged.set(reason, now);
    this.suppressed.set(reason, 0);
    // The topic is attacker-controlled: cap it so one line stays one reasonable line.
    this.log.warn(
      { reason, topic: topic.slice(0, 200), detail, suppressed, total: this.counts[reason] },
      'message rejected',
    );
  }
}
