// Exactly once through crashes: the vehicle (`npm run device`) SIGKILLed before/after recording a command, and Mosquitto SIGKILLed mid-command.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Config } from '../../core/config.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { ProgramProcess } from '../../harness/program.js';
import { waitFor } from '../../harness/wait.js';
import { testDashboard } from '../dashboard/helpers.js';
import { journalRows, sendCommand, TOKEN, waitForStatus } from '../helpers/commands.js';
import { testConfig } from '../helpers/pipeline.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

let broker: MosquittoProcess;
let config: Config;
let dashboard: Dashboard;
let base: string;
const vehicles: ProgramProcess[] = [];

beforeAll(async () => {
  const dir = tempDir('commands-crash-');
  // Nothing autosaved: a SIGKILL loses every session and message the broker held.
  broker = new MosquittoProcess({ dir, autosaveInterval: 1800 });
  await broker.start();
  config = testConfig(dir, broker.port, { DASHBOARD_API_TOKEN: TOKEN, COMMAND_TIMEOUT_S: '120' });
  dashboard = testDashboard(config, { clientId: 'dashboard-crash-test' });
  await dashboard.start();
  await Promise.all([dashboard.subscribed, dashboard.commands.subscribed]);
  base = `http://127.0.0.1:${dashboard.port}`;
});

afterAll(async () => {
  await Promise.all(vehicles.map((v) => v.kill('SIGKILL')));
  await dashboard?.stop();
  await broker?.stop();
  removeTempDirs();
});

/** `npm run device -- <id>` with info logs (the test reads them) and an optional fault. */
function vehicle(id: string, env: Record<string, string> = {}): ProgramProcess {
  const p = ProgramProcess.fromNpmScript('device', [id], {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(broker.port),
    MQTT_RECONNECT_MAX_MS: '500',
    QUEUE_DIR: config.devices.queueDir,
    PUBLISH_INTERVAL_MS: '200',
    SEED: '1',
    LOG_LEVEL: 'info',
    ...env,
  });
  vehicles.push(p);
  p.start();
  return p;
}

const online = (id: string) =>
  waitFor(
    () => dashboard.board.statusOf(id, Date.now()),
    (s) => s === 'online',
    { what: `${id} online` },
  );

/** Log lines of one message for one command (pino JSON on stderr). */
const logged = (stderr: string, msg: string, commandId: string) =>
  stderr.split('\n').filter((l) => l.includes(`"msg":"${msg}"`) && l.includes(commandId)).length;

/** Stops a vehicle cleanly so its last log lines are written. */
async function stopped(p: ProgramProcess): Promise<void> {
  await p.kill('SIGTERM');
}

describe('the vehicle SIGKILLed after receiving a command, before answering', () => {
  it('after recording it: restarted, it answers with the first result and does not run it again', async () => {
    const first = vehicle('vehicle_01', { FAULT_INJECTION: 'command-crash-after-commit' });
    await online('vehicle_01');
    const id = await sendCommand(base, 'vehicle_01', { name: 'ping' });
    expect(await first.exited()).toBeNull(); // killed by a signal
    const [row, ...more] = journalRows(config.devices.queueDir, 'vehicle_01');
    expect(more).toEqual([]);
    expect(row).toMatchObject({ command_id: id, deliveries: 1, delivered: 0 });
    const firstAnswer = JSON.parse(row?.answer ?? '{}') as { result: { uptime_s: number } };
    await waitForStatus(base, id, ['sent']); // and no further: the vehicle is dead

    const second = vehicle('vehicle_01');
    const done = await waitForStatus(base, id, ['succeeded']);
    // The uptime, to the millisecond, of the run that executed it: not recomputed.
    expect(done.result).toEqual(firstAnswer.result);
    await waitFor(
      () => journalRows(config.devices.queueDir, 'vehicle_01')[0]?.delivered,
      (d) => d === 1,
    );
    const [after] = journalRows(config.devices.queueDir, 'vehicle_01');
    expect(after?.deliveries).toBeGreaterThanOrEqual(2);
    expect(after?.answer).toBe(row?.answer);
    await stopped(second);
    expect(logged(second.stderr, 'command executed', id)).toBe(0);
    expect(
      logged(second.stderr, 'command delivered again: answering with its first result', id),
    ).toBeGreaterThan(0);
  });

  it('before recording it: nothing was kept, so the restarted vehicle runs it, once', async () => {
    const first = vehicle('vehicle_02', { FAULT_INJECTION: 'command-crash-before-commit' });
    await online('vehicle_02');
    const id = await sendCommand(base, 'vehicle_02', {
      name: 'set_interval',
      params: { interval_ms: 300 },
    });
    expect(await first.exited()).toBeNull();
    expect(journalRows(config.devices.queueDir, 'vehicle_02')).toEqual([]);
    await waitForStatus(base, id, ['sent']); // and no further: the vehicle is dead

    const second = vehicle('vehicle_02');
    const done = await waitForStatus(base, id, ['succeeded']);
    expect(done.result).toEqual({ interval_ms: 300 });
    await stopped(second);
    expect(logged(second.stderr, 'command executed', id)).toBe(1);
    expect(journalRows(config.devices.queueDir, 'vehicle_02').map((r) => r.command_id)).toEqual([
      id,
    ]);
  });
});

describe('Mosquitto SIGKILLed mid-command', () => {
  it('loses the command it acknowledged; the dashboard sends it again and it runs once', async () => {
    const v = vehicle('vehicle_03');
    await online('vehicle_03');
    v.signal('SIGSTOP'); // it cannot read the command before the broker dies
    const id = await sendCommand(base, 'vehicle_03', { name: 'ping' });
    await waitForStatus(base, id, ['sent']);
    await broker.restart('SIGKILL');
    // What the broker had already pushed into the frozen vehicle's socket dies with it: after
    // the restart only the dashboard's republish can bring the command.
    await v.kill('SIGKILL');
    const restarted = vehicle('vehicle_03');
    const done = await waitForStatus(base, id, ['succeeded']);
    expect(done.result).toEqual({ uptime_s: expect.any(Number) });
    await stopped(restarted);
    expect(logged(restarted.stderr, 'command executed', id)).toBe(1);
    expect(journalRows(config.devices.queueDir, 'vehicle_03')).toMatchObject([
      { command_id: id, deliveries: 1, delivered: 1 },
    ]);
  });
});
