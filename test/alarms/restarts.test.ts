// The collector or the dashboard SIGKILLed while an alarm is open, as their npm scripts run them: no duplicate alarm, no repeated notice, the clear still arrives.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Alarm } from '../../core/contract.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { freePort, waitForPort } from '../../harness/ports.js';
import { ProgramProcess } from '../../harness/program.js';
import { sleep, waitFor } from '../../harness/wait.js';
import { getJson } from '../dashboard/helpers.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { Publisher, WebhookReceiver, writeRules } from './helpers.js';

const RULES = `
notify: {group_wait: 200ms, retry_initial: 200ms, retry_max: 1s}
rules:
  - {name: overspeed, type: threshold, above: speed_limit, for: 1s, clear_margin: 10, clear_for: 1s}
`;

const dir = tempDir('alarm-restarts-');
let broker: MosquittoProcess;
let receiver: WebhookReceiver;
let pub: Publisher;
let collector: ProgramProcess;
let dashboard: ProgramProcess;
let base: string;
let env: Record<string, string>;

async function startCollector(): Promise<void> {
  collector = ProgramProcess.fromNpmScript('collector', [], { ...env, LOG_LEVEL: 'info' });
  collector.start();
  await waitFor(() => collector.stderr.includes('"msg":"subscribed"'), Boolean, {
    what: 'collector subscribed',
  });
}

async function startDashboard(): Promise<void> {
  const port = Number(new URL(base).port);
  dashboard = ProgramProcess.fromNpmScript('dashboard', [], {
    ...env,
    DASHBOARD_HOST: '127.0.0.1',
    DASHBOARD_PORT: String(port),
    // Its own persistent session: alarm changes made while it is down wait in the broker.
    DASHBOARD_CLIENT_ID: 'dashboard-restarts',
    // Not a test of accounts: the open dashboard (reads open, DASHBOARD_API_TOKEN writes).
    AUTH_MODE: 'none',
    LOG_LEVEL: 'warn',
  });
  dashboard.start();
  await waitForPort(port, 30_000);
  await waitFor(
    async () => (await getJson(base, '/api/health')).status,
    (s) => s === 200,
    {
      what: 'dashboard healthy',
    },
  );
}

beforeAll(async () => {
  broker = new MosquittoProcess({ dir: join(dir, 'mosquitto') });
  receiver = new WebhookReceiver();
  await Promise.all([broker.start(), receiver.start()]);
  base = `http://127.0.0.1:${await freePort()}`;
  env = {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(broker.port),
    MQTT_RECONNECT_MAX_MS: '500',
    SQLITE_PATH: join(dir, 'telemetry.db'),
    COLLECTOR_STATE_PATH: join(dir, 'collector-state.db'),
    DASHBOARD_STATE_PATH: join(dir, 'dashboard-state.db'),
    ALERT_RULES_FILE: writeRules(dir, RULES),
    ALERT_WEBHOOK_URL: receiver.url,
  };
  await startCollector();
  await startDashboard();
  pub = await Publisher.connect(broker.port);
});

afterAll(async () => {
  await pub?.end();
  await dashboard?.kill('SIGTERM');
  await collector?.kill('SIGTERM');
  await receiver?.stop();
  await broker?.stop();
  removeTempDirs();
});

const alarmsOf = async (deviceId: string): Promise<Alarm[]> =>
  (await getJson(base, `/api/alarms?state=all&device_id=${deviceId}`)).body as Alarm[];

const waitForState = (deviceId: string, state: Alarm['state']) =>
  waitFor(
    () => alarmsOf(deviceId),
    (list) => list.some((a) => a.state === state),
    {
      what: `${deviceId} ${state} on the dashboard`,
      timeoutMs: 20_000,
      intervalMs: 100,
    },
  );

/** Rows of the collector's own state file for this device (what "no duplicate" means at the source). */
function stateRows(deviceId: string): Array<{ id: string; state: string }> {
  const db = new Database(env.COLLECTOR_STATE_PATH as string, { readonly: true });
  try {
    return db.prepare('SELECT id, state FROM alarms WHERE scope = ?').all(deviceId) as Array<{
      id: string;
      state: string;
    }>;
  } finally {
    db.close();
  }
}

const notices = (deviceId: string) =>
  receiver.deliveredNotices().filter((n) => n.endsWith(` ${deviceId}`));

describe('restarts while an alarm is open', () => {
  it('collector SIGKILLed and restarted while the vehicle keeps speeding: still one alarm, one firing notice', async () => {
    await pub.drive('vehicle_01', 120, 15);
    const [opened] = await waitForState('vehicle_01', 'open');
    await waitFor(
      () => notices('vehicle_01'),
      (n) => n.length === 1,
      { what: 'firing notice' },
    );
    expect(await collector.kill('SIGKILL')).toBeNull();
    await pub.drive('vehicle_01', 121, 10); // kept by the broker for the collector's session
    await startCollector();
    await pub.drive('vehicle_01', 122, 15);
    await sleep(1500); // room for a duplicate alarm or notice to show up
    expect(stateRows('vehicle_01')).toEqual([{ id: opened?.id, state: 'open' }]);
    expect((await alarmsOf('vehicle_01')).map((a) => [a.id, a.state])).toEqual([
      [opened?.id, 'open'],
    ]);
    expect(notices('vehicle_01')).toEqual(['firing overspeed vehicle_01']);
  });

  it('dashboard SIGKILLed while it is open and cleared meanwhile: after its restart it shows the clear, once', async () => {
    const [opened] = await alarmsOf('vehicle_01');
    expect(await dashboard.kill('SIGKILL')).toBeNull();
    await pub.drive('vehicle_01', 90, 15);
    await waitFor(
      () => notices('vehicle_01'),
      (n) => n.length === 2,
      { what: 'resolved notice' },
    );
    await startDashboard();
    const list = await waitForState('vehicle_01', 'cleared');
    expect(list.map((a) => [a.id, a.state])).toEqual([[opened?.id, 'cleared']]);
    expect(stateRows('vehicle_01')).toEqual([{ id: opened?.id, state: 'cleared' }]);
  });

  it('collector SIGKILLed while it is open, the vehicle slows down meanwhile: the clear arrives after the restart', async () => {
    await pub.drive('vehicle_02', 118, 15);
    const [opened] = await waitForState('vehicle_02', 'open');
    await waitFor(
      () => notices('vehicle_02'),
      (n) => n.length === 1,
      { what: 'firing notice' },
    );
    expect(await collector.kill('SIGKILL')).toBeNull();
    await pub.drive('vehicle_02', 80, 20); // evaluated when the restarted collector receives them
    await startCollector();
    const list = await waitForState('vehicle_02', 'cleared');
    expect(list.map((a) => [a.id, a.state])).toEqual([[opened?.id, 'cleared']]);
    await waitFor(
      () => notices('vehicle_02'),
      (n) => n.length === 2,
      { what: 'resolved notice' },
    );
  });

  it('in all: each transition notified exactly once', async () => {
    await sleep(1500);
    expect(receiver.deliveredNotices().sort()).toEqual([
      'firing overspeed vehicle_01',
      'firing overspeed vehicle_02',
      'resolved overspeed vehicle_01',
      'resolved overspeed vehicle_02',
    ]);
    // At-least-once delivery (docs/alarms.md): a batch accepted just before a SIGKILL comes again
    // with its Idempotency-Key and the same notices; once deduplicated by key, no notice twice.
    const ids = receiver.deliveredNoticeIds();
    expect(new Set(ids).size).toBe(ids.length);
    expect(receiver.repeatsThatDiffer()).toEqual([]);
  });
});
