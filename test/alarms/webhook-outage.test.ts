// A webhook receiver that refuses for 30 s (503), then accepts: every notice arrives once, from the persisted outbox, across a collector restart.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WebhookSender } from '../../alarms/notify/webhook.js';
import type { Collector } from '../../collector/collector.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { sleep, waitFor } from '../../harness/wait.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { alarmCollector, Publisher, WebhookReceiver, writeRules } from './helpers.js';

const RULES = `
notify: {group_wait: 300ms, retry_initial: 200ms, retry_max: 2s}
rules:
  - {name: overspeed, type: threshold, above: 110, for: 1s, clear_margin: 10, clear_for: 1s}
`;
const OUTAGE_MS = 30_000;

let broker: MosquittoProcess;
let receiver: WebhookReceiver;
let pub: Publisher;
let collector: Collector | undefined;

beforeAll(async () => {
  broker = new MosquittoProcess({ dir: tempDir() });
  receiver = new WebhookReceiver();
  await Promise.all([broker.start(), receiver.start()]);
  pub = await Publisher.connect(broker.port);
});

afterAll(async () => {
  await pub?.end();
  await collector?.stop();
  await receiver?.stop();
  await broker?.stop();
  removeTempDirs();
});

/** Every notice the collector made, as the receiver would name it (alarm:kind:repeat). */
function outbox(path: string): { ids: string[]; pending: number } {
  const db = new Database(path, { readonly: true });
  try {
    const rows = db
      .prepare(
        "SELECT alarm_id, kind, repeat_no, state FROM alarm_notices WHERE channel = 'webhook'",
      )
      .all() as Array<{
      alarm_id: string;
      kind: 'firing' | 'resolved';
      repeat_no: number;
      state: string;
    }>;
    return {
      // As each alert's notice_id names it: alarm, transition, repeat.
      ids: rows.map((r) => `${r.alarm_id}:${r.kind}:${r.repeat_no}`),
      pending: rows.filter((r) => r.state === 'pending').length,
    };
  } finally {
    db.close();
  }
}

it('gets each notice exactly once after 30 s of refusals, with the collector restarted meanwhile', async () => {
  const dir = tempDir();
  const config = testConfig(dir, broker.port, {
    ALERT_RULES_FILE: writeRules(dir, RULES),
    ALERT_WEBHOOK_URL: receiver.url,
  });
  const start = async () => {
    const c = alarmCollector(config, [
      new WebhookSender(config.alerts.webhookUrl as string),
    ]).collector;
    await c.start();
    await c.subscribed;
    return c;
  };
  receiver.refuseUntil = Date.now() + OUTAGE_MS;
  collector = await start();
  // Three vehicles open and clear an alarm each: six notices while the receiver is down.
  for (const id of ['vehicle_01', 'vehicle_02', 'vehicle_03']) {
    await pub.drive(id, 120, 15);
    await pub.drive(id, 80, 15);
  }
  await waitFor(
    () => outbox(config.collectorStatePath).ids.length,
    (n) => n === 6,
    {
      what: 'six notices in the outbox',
    },
  );
  // A restart in the middle of the outage: the outbox is on disk, the batches resume.
  await collector.stop();
  await sleep(500);
  collector = await start();
  expect(receiver.accepted).toEqual([]);
  await waitFor(
    () => receiver.noticeIds().length,
    (n) => n >= 6,
    {
      what: 'every notice delivered',
      timeoutMs: OUTAGE_MS + 20_000,
      intervalMs: 200,
    },
  );
  await sleep(1500); // a duplicate would come within a retry interval
  const delivered = receiver.noticeIds();
  expect(new Set(delivered).size).toBe(delivered.length);
  expect([...delivered].sort()).toEqual([...outbox(config.collectorStatePath).ids].sort());
  expect(outbox(config.collectorStatePath).pending).toBe(0);
  expect(receiver.notices().sort()).toEqual([
    'firing overspeed vehicle_01',
    'firing overspeed vehicle_02',
    'firing overspeed vehicle_03',
    'resolved overspeed vehicle_01',
    'resolved overspeed vehicle_02',
    'resolved overspeed vehicle_03',
  ]);
  // It really was refused, retried, and nothing got through before the outage ended.
  expect(receiver.refused).toBeGreaterThan(5);
  expect(Math.min(...receiver.accepted.map((a) => a.at))).toBeGreaterThanOrEqual(
    receiver.refuseUntil,
  );
  // Alertmanager's shape: stable fingerprint for an alarm's firing and resolved, a batch id as key.
  const alerts = receiver.accepted.flatMap((a) => a.payload.alerts);
  for (const firing of alerts.filter((a) => a.status === 'firing')) {
    const resolved = alerts.find(
      (a) => a.status === 'resolved' && a.labels.alarm_id === firing.labels.alarm_id,
    );
    expect(resolved?.fingerprint).toBe(firing.fingerprint);
    expect(firing.endsAt).toBe('0001-01-01T00:00:00Z');
    expect(Date.parse(resolved?.endsAt ?? '')).toBeGreaterThan(Date.parse(firing.startsAt));
  }
  for (const a of receiver.accepted) {
    expect(a.key).toBe(a.payload.notification_id);
    expect(a.payload).toMatchObject({
      version: '4',
      receiver: 'vehicle-telemetry',
      truncatedAlerts: 0,
    });
  }
  expect(new Set(receiver.accepted.map((a) => a.key)).size).toBe(receiver.accepted.length);
});
