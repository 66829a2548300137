// Commands and their states survive a restart of every process: `npm run dashboard` (SIGKILLed), Mosquitto, `npm run device`.
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CommandBody } from '../../core/dashboard-contract.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { freePort, waitForPort } from '../../harness/ports.js';
import { ProgramProcess } from '../../harness/program.js';
import { waitFor } from '../../harness/wait.js';
import {
  getCommand,
  journalRows,
  journalSettings,
  sendCommand,
  TOKEN,
  waitForStatus,
} from '../helpers/commands.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

let dir: string;
let broker: MosquittoProcess;
let port: number;
const running: ProgramProcess[] = [];
const base = () => `http://127.0.0.1:${port}`;
const queueDir = () => join(dir, 'queues');

beforeAll(async () => {
  dir = tempDir('commands-restart-');
  broker = new MosquittoProcess({ dir });
  await broker.start();
  port = await freePort();
});

afterAll(async () => {
  await Promise.all(running.map((p) => p.kill('SIGKILL')));
  await broker?.stop();
  removeTempDirs();
});

const common = () => ({
  MQTT_BROKER_HOST: '127.0.0.1',
  MQTT_BROKER_PORT: String(broker.port),
  MQTT_RECONNECT_MAX_MS: '500',
  SQLITE_PATH: join(dir, 'telemetry.db'),
  QUEUE_DIR: queueDir(),
  PUBLISH_INTERVAL_MS: '1000',
});

/** `npm run dashboard` on a fixed port, state file and session. */
async function dashboard(): Promise<ProgramProcess> {
  const p = ProgramProcess.fromNpmScript('dashboard', [], {
    ...common(),
    DASHBOARD_HOST: '127.0.0.1',
    DASHBOARD_PORT: String(port),
    DASHBOARD_STATE_PATH: join(dir, 'dashboard-state.db'),
    DASHBOARD_CLIENT_ID: 'dashboard-restart-test',
    // Not a test of accounts: the open dashboard (reads open, DASHBOARD_API_TOKEN writes).
    AUTH_MODE: 'none',
    DASHBOARD_API_TOKEN: TOKEN,
    COMMAND_TIMEOUT_S: '300',
  });
  running.push(p);
  p.start();
  await waitForPort(port, 30_000);
  return p;
}

function vehicle(): ProgramProcess {
  const p = ProgramProcess.fromNpmScript('device', ['vehicle_01'], common());
  running.push(p);
  p.start();
  return p;
}

/** Reading timestamps (ms) the vehicle took, from its queue file (no collector: they stay). */
function readingTimes(): number[] {
  const db = new Database(join(queueDir(), 'vehicle_01.db'), { readonly: true });
  try {
    const rows = db.prepare('SELECT payload FROM queue ORDER BY seq').all() as Array<{
      payload: string;
    }>;
    return rows.map((r) => Date.parse((JSON.parse(r.payload) as { timestamp: string }).timestamp));
  } finally {
    db.close();
  }
}

const statusOf = async (id: string) => (await getCommand(base(), id)).status;

describe('every process restarted', () => {
  // Four dashboard starts (tsx + the page bundle) and two vehicle starts: room for a busy machine.
  it('keeps queued commands, delivers them in order, and keeps results and settings', {
    timeout: 240_000,
  }, async () => {
    let d = await dashboard();
    // The vehicle has never connected: both wait, queued.
    const setInterval = await sendCommand(base(), 'vehicle_01', {
      name: 'set_interval',
      params: { interval_ms: 300 },
    });
    const ping = await sendCommand(base(), 'vehicle_01', { name: 'ping' });

    // Dashboard SIGKILLed and restarted: both still queued.
    await d.kill('SIGKILL');
    d = await dashboard();
    expect([await statusOf(setInterval), await statusOf(ping)]).toEqual(['queued', 'queued']);

    // Broker restarted (clean stop): still queued; the dashboard reconnects.
    await broker.restart('SIGTERM');
    expect([await statusOf(setInterval), await statusOf(ping)]).toEqual(['queued', 'queued']);

    // The vehicle comes: both run, in the order they were given.
    let v = vehicle();
    await waitForStatus(base(), ping, ['succeeded']);
    expect(await getCommand(base(), setInterval)).toMatchObject({
      status: 'succeeded',
      result: { interval_ms: 300 },
    });
    expect(journalRows(queueDir(), 'vehicle_01').map((r) => r.command_id)).toEqual([
      setInterval,
      ping,
    ]);

    // The dashboard is down while the vehicle answers: the answer waits in the broker, in the
    // dashboard's persistent session.
    v.signal('SIGSTOP');
    const whileDown = await sendCommand(base(), 'vehicle_01', { name: 'ping' });
    await waitForStatus(base(), whileDown, ['sent']);
    await d.kill('SIGKILL');
    v.signal('SIGCONT');
    await waitFor(
      () => journalRows(queueDir(), 'vehicle_01').find((r) => r.command_id === whileDown),
      (r) => r?.delivered === 1,
      { what: 'the answer acknowledged by the broker' },
    );
    d = await dashboard();
    await waitForStatus(base(), whileDown, ['succeeded']);

    // The vehicle restarted: its interval (300 ms, not PUBLISH_INTERVAL_MS=1000) is kept.
    await v.kill('SIGKILL');
    const restartedAt = Date.now();
    v = vehicle();
    const after = await sendCommand(base(), 'vehicle_01', { name: 'ping' });
    await waitForStatus(base(), after, ['succeeded']);
    expect(journalSettings(queueDir(), 'vehicle_01')).toEqual({
      interval_ms: 300,
      speed_limit_kmh: null,
    });
    const times = await waitFor(
      () => readingTimes().filter((t) => t >= restartedAt),
      (t) => t.length >= 6,
    );
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
    const median = [...gaps].sort((a, b) => a - b)[Math.floor(gaps.length / 2)] ?? 0;
    expect(median).toBeGreaterThan(150);
    expect(median).toBeLessThan(600);

    // And once more the dashboard: every command with its final state and result.
    await d.kill('SIGKILL');
    d = await dashboard();
    const list = (await (
      await fetch(`${base()}/api/devices/vehicle_01/commands`)
    ).json()) as CommandBody[];
    expect(list.map((c) => [c.command_id, c.status])).toEqual([
      [after, 'succeeded'],
      [whileDown, 'succeeded'],
      [ping, 'succeeded'],
      [setInterval, 'succeeded'],
    ]);
    expect(list.every((c) => c.result !== undefined)).toBe(true);
    await v.kill('SIGTERM');
    await d.kill('SIGTERM');
  });
});
