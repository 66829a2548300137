// Counts rejected messages by reason and logs them rate-limited, so a flood of garbage cannot flood the log.
import type { Logger } from '../core/log.js';
import { REJECT_REASONS, type RejectReason } from '../core/validate.js';

export class RejectCounter {
  readonly counts: Record<RejectReason, number>;
  private readonly lastLogged = new Map<RejectReason, number>();
  private readonly suppressed = new Map<RejectReason, number>();

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
