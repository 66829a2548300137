// Exponential backoff with jitter for reconnects; pure, with an injectable random source.

export interface BackoffOptions {
  initialMs: number;
  maxMs: number;
  random?: () => number;
}

export class Backoff {
  private attempt = 0;

  constructor(private readonly options: BackoffOptions) {}

  /** Next delay: half fixed, half random ("equal jitter"), so a fleet does not reconnect in lockstep. */
  next(): number {
    const random = this.options.random ?? Math.random;
    const ceiling = Math.min(this.options.maxMs, this.options.initialMs * 2 ** this.attempt);
    if (ceiling < this.options.maxMs) this.attempt += 1;
    return Math.round(ceiling / 2 + random() * (ceiling / 2));
  }

  reset(): void {
    this.attempt = 0;
  }
}
