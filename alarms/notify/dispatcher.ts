// Sends one channel's outbox: gathers notices for group_wait into a batch, sends batches in order, retries with backoff.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../../core/log.js';
import type { OutboxRows } from '../store/outbox-rows.js';
import type { NoticeSender } from './sender.js';

export interface DispatcherOptions {
  groupWaitMs: number;
  retryInitialMs: number;
  retryMaxMs: number;
  /** Notices per batch (one POST, one mail). */
  maxBatch: number;
  /** How often the outbox is looked at. */
  pollMs: number;
}

export interface DispatcherDeps {
  outbox: OutboxRows;
  now: () => number;
  log: Logger;
}

/**
 * At-least-once: a batch is marked sent only after the receiver accepted it, so a receiver that is
 * down for minutes gets it later, unchanged (same notices, same batch id). Exactly once in practice
 * rests on that plus stable ids: a notice is made once per transition (alarms/lifecycle.ts), and the
 * only repeat possible is a batch accepted just before a crash that left it unmarked, which the
 * receiver can recognise by its Idempotency-Key / Message-ID and each alert's notice_id.
 */
export class Dispatcher {
  private timer: NodeJS.Timeout | undefined;
  private sending: Promise<void> | undefined;
  private stopped = true;
  sent = 0;
  failures = 0;

  constructor(
    private readonly sender: NoticeSender,
    private readonly deps: DispatcherDeps,
    private readonly options: DispatcherOptions,
  ) {}

  start(): void {
    this.stopped = false;
    this.timer = setInterval(() => this.poll(), this.options.pollMs);
  }

  poll(): void {
    if (this.sending || this.stopped) return;
    this.sending = this.step()
      .catch((err: unknown) =>
        this.deps.log.error({ err: (err as Error).message }, 'notification outbox step failed'),
      )
      .finally(() => {
        this.sending = undefined;
      });
  }

  private async step(): Promise<void> {
    const { outbox, now, log } = this.deps;
    const channel = this.sender.channel;
    let batch = outbox.pendingBatch(channel);
    if (!batch) {
      const oldest = outbox.oldestLoose(channel);
      if (oldest === undefined || now() - oldest < this.options.groupWaitMs) return;
      outbox.makeBatch(randomUUID(), channel, now(), this.options.maxBatch);
      batch = outbox.pendingBatch(channel);
      if (!batch) return;
    }
    if (batch.nextAttemptAt > now()) return;
    try {
      await this.sender.send(batch);
    } catch (err) {
      this.failures += 1;
      const attempts = batch.attempts + 1;
      const delay = Math.min(
        this.options.retryMaxMs,
        this.options.retryInitialMs * 2 ** Math.min(attempts - 1, 30),
      );
      if (!this.stopped) outbox.markFailed(batch.id, now() + delay, (err as Error).message);
      if (attempts === 1 || attempts % 10 === 0) {
        log.warn(
          {
            channel,
            notices: batch.notices.length,
            attempts,
            retryInMs: delay,
            err: (err as Error).message,
          },
          'alarm notification not delivered; retrying',
        );
      }
      return;
    }
    if (this.stopped) return; // the state file may be closed: the batch goes out again next start
    outbox.markSent(batch.id, now());
    this.sent += batch.notices.length;
    log.info(
      { channel, notices: batch.notices.length, attempts: batch.attempts + 1 },
      'alarm notification sent',
    );
  }

  /** Waits a little for a send in flight; one that finishes later is sent again after a restart. */
  async stop(waitMs = 2000): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    this.timer = undefined;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.sending,
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, waitMs);
      }),
    ]);
    clearTimeout(timer);
  }
}
