// E-mail subject and plain-text body for a batch of notices (one mail per batch), Alertmanager-style.
import type { Batch, Notice } from '../store/outbox-rows.js';

const what = (n: Notice): string => `${n.alert.rule} on ${n.alert.device_id ?? 'the fleet'}`;
const status = (n: Notice): string =>
  n.kind === 'resolved' ? 'RESOLVED' : n.repeatNo > 0 ? `FIRING (repeat ${n.repeatNo})` : 'FIRING';

export function emailSubject(batch: Batch): string {
  const [only] = batch.notices;
  if (only && batch.notices.length === 1) {
    return `[${status(only)}] ${what(only)} (${only.alert.severity})`;
  }
  const firing = batch.notices.filter((n) => n.kind === 'firing').length;
  const resolved = batch.notices.length - firing;
  const counts = [
    firing > 0 ? `FIRING:${firing}` : '',
    resolved > 0 ? `RESOLVED:${resolved}` : '',
  ].filter((c) => c !== '');
  return `[${counts.join(' ')}] vehicle telemetry alarms`;
}

export function emailBody(batch: Batch): string {
  const blocks = batch.notices.map((n) => {
    const a = n.alert;
    const times =
      n.kind === 'resolved'
        ? `started ${a.started_at}, cleared ${a.cleared_at ?? a.updated_at}`
        : `started ${a.started_at}`;
    return [
      `${status(n)}: ${what(n)} (${a.severity})`,
      `  ${a.message}`,
      ...(a.value === null ? [] : [`  value: ${a.value}`]),
      `  ${times}`,
      `  alarm ${a.id}`,
    ].join('\n');
  });
  return `${blocks.join('\n\n')}\n\n-- \nvehicle telemetry collector (notification ${batch.id})\n`;
}
