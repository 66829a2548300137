// A notification channel: sends one batch of notices, resolving only once the receiver accepted it.
import type { Batch } from '../store/outbox-rows.js';

export interface NoticeSender {
  /** `webhook`, `email`: the outbox keeps each channel's notices and batches apart. */
  readonly channel: string;
  /** Throws when the receiver did not accept the batch (it is then retried, unchanged). */
  send(batch: Batch): Promise<void>;
  close(): void;
}
