// Vehicle status changes at fleet scale: each one at debug, and at info one summary line per period (how many came online or went offline, a few names).

import type { Logger } from './log.js';
import { LogDigest } from './log-digest.js';

export interface StatusDigestOptions {
  /** At most one info line per this period (default 5 s). */
  everyMs?: number;
  now: () => number;
}

/** A LogDigest of status changes: `{online: 148, offline: 3, examples}` "vehicles changed status". */
export class StatusDigest {
  private readonly digest: LogDigest;

  constructor(log: Logger, options: StatusDigestOptions) {
    this.digest = new LogDigest(log, { ...options, message: 'vehicles changed status' });
  }

  /** One vehicle's new status. */
  change(deviceId: string, status: string): void {
    this.digest.add(deviceId, status, 'device status', { status });
  }

  flush(): void {
    this.digest.flush();
  }
}
