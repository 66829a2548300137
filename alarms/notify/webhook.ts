// The webhook channel: one POST per batch to ALERT_WEBHOOK_URL; only a 2xx counts as delivered.
import type { Batch } from '../store/outbox-rows.js';
import { webhookPayload } from './alertmanager.js';
import type { NoticeSender } from './sender.js';

export class WebhookSender implements NoticeSender {
  readonly channel = 'webhook';

  constructor(
    private readonly url: string,
    private readonly timeoutMs = 10_000,
  ) {}

  async send(batch: Batch): Promise<void> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        // The same on every retry of this batch: a receiver can drop a repeat it already took.
        'idempotency-key': batch.id,
        'user-agent': 'vehicle-telemetry-alarms',
      },
      body: JSON.stringify(webhookPayload(batch)),
      signal: AbortSignal.timeout(this.timeoutMs),
      redirect: 'error',
    });
    await res.arrayBuffer().catch(() => undefined);
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
  }

  close(): void {}
}
