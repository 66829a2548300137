// Notices as Alertmanager's webhook JSON (status, labels, annotations, startsAt/endsAt, fingerprint), which alert receivers understand.
import { createHash } from 'node:crypto';
import type { Batch, Notice } from '../store/outbox-rows.js';

export interface WebhookAlert {
  status: 'firing' | 'resolved';
  labels: Record<string, string>;
  annotations: Record<string, string>;
  startsAt: string;
  /** Alertmanager's "not ended yet" for firing alerts. */
  endsAt: string;
  generatorURL: string;
  /** Stable for an alarm: the same on its firing, repeats and resolved notices, and on every retry. */
  fingerprint: string;
  /** One per notice (alarm, transition, repeat): what a receiver dedupes on. */
  notice_id: string;
}

export interface WebhookPayload {
  version: '4';
  groupKey: string;
  truncatedAlerts: number;
  status: 'firing' | 'resolved';
  receiver: string;
  groupLabels: Record<string, string>;
  commonLabels: Record<string, string>;
  commonAnnotations: Record<string, string>;
  externalURL: string;
  alerts: WebhookAlert[];
  /** The batch id, also sent as the Idempotency-Key header: the same on every retry. */
  notification_id: string;
}

export const RECEIVER = 'vehicle-telemetry';
const NOT_ENDED = '0001-01-01T00:00:00Z';

/** Like Alertmanager's: a hash of the sorted label set (which holds the alarm id). */
export function fingerprint(labels: Record<string, string>): string {
  const text = Object.keys(labels)
    .sort()
    .map((k) => `${k}\u0000${labels[k]}`)
    .join('\u0001');
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

export const noticeId = (n: Notice): string => `${n.alarmId}:${n.kind}:${n.repeatNo}`;

export function webhookAlert(n: Notice): WebhookAlert {
  const a = n.alert;
  const labels: Record<string, string> = {
    alertname: a.rule,
    alarm_id: a.id,
    severity: a.severity,
    ...(a.device_id === null ? { scope: 'fleet' } : { device_id: a.device_id }),
  };
  return {
    status: n.kind,
    labels,
    annotations: {
      summary: `${a.rule} on ${a.device_id ?? 'the fleet'}`,
      description: a.message,
      ...(a.value === null ? {} : { value: String(a.value) }),
      ...(n.repeatNo > 0 ? { repeat: String(n.repeatNo) } : {}),
    },
    startsAt: a.started_at,
    endsAt: n.kind === 'resolved' ? (a.cleared_at ?? a.updated_at) : NOT_ENDED,
    generatorURL: '',
    fingerprint: fingerprint(labels),
    notice_id: noticeId(n),
  };
}

/** Labels every alert of the batch shares. */
function common(alerts: readonly WebhookAlert[]): Record<string, string> {
  const [first, ...rest] = alerts;
  if (!first) return {};
  return Object.fromEntries(
    Object.entries(first.labels).filter(([k, v]) => rest.every((a) => a.labels[k] === v)),
  );
}

export function webhookPayload(batch: Batch): WebhookPayload {
  const alerts = batch.notices.map(webhookAlert);
  return {
    version: '4',
    groupKey: `{}:{receiver="${RECEIVER}"}`,
    truncatedAlerts: 0,
    status: alerts.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    receiver: RECEIVER,
    groupLabels: {},
    commonLabels: common(alerts),
    commonAnnotations: {},
    externalURL: '',
    alerts,
    notification_id: batch.id,
  };
}
