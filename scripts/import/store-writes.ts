// Import batches into the store: a failing write is retried with backoff before the import gives up.
import type { Reading } from '../../core/contract.js';
import type { TelemetryStore, WriteResult } from '../../core/store/types.js';

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  firstDelayMs: number;
  maxDelayMs: number;
  /** Told before each wait, e.g. to print it. */
  onRetry: (err: Error, attempt: number, delayMs: number) => void;
  /** Checked before each retry: an interrupted import stops retrying. */
  stopped: () => boolean;
}

/**
 * A SQLite file locked by another writer or an InfluxDB restarting answers again after a moment;
 * a store still failing after `attempts` is given up on (the caller reports it and exits 1).
 * Retrying is safe: a write either committed whole or not at all, and dedupe skips what did.
 */
export async function writeWithRetry(
  store: TelemetryStore,
  readings: readonly Reading[],
  policy: RetryPolicy,
): Promise<WriteResult> {
  let delay = policy.firstDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await store.write(readings);
    } catch (err) {
      const error = err instanceof Error ? err : new Error(String(err));
      if (attempt >= policy.attempts || policy.stopped()) throw error;
      policy.onRetry(error, attempt, delay);
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(delay * 2, policy.maxDelayMs);
    }
  }
}
