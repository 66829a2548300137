// The vehicle's command executor on a real queue file: each command, refusals, exactly once across a reopen, failures, injected crashes.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { EXPIRED_ERROR } from '../../core/commands.js';
import type { Fault } from '../../core/config.js';
import type { CommandResultMessage } from '../../core/contract.js';
import { silentLogger } from '../../core/log.js';
import { CommandExecutor, type VehicleControls } from '../../devices/command-executor.js';
import { QueueDatabase } from '../../devices/offline-queue.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(removeTempDirs);

const NOW = Date.parse('2026-01-01T12:00:00.000Z');
const LATER = new Date(NOW + 60_000).toISOString();

class Crash extends Error {}

interface Vehicle {
  executor: CommandExecutor;
  controls: VehicleControls & { intervals: number[]; limits: Array<number | null> };
  file: QueueDatabase;
  close(): void;
}

function vehicle(path: string, options: { fault?: Fault; failSettings?: boolean } = {}): Vehicle {
  const file = new QueueDatabase(path).open();
  const journal = file.journal('v1', {
    now: () => NOW,
    failSettings: options.failSettings ?? false,
  });
  const controls = {
    intervals: [] as number[],
    limits: [] as Array<number | null>,
    setPublishInterval(ms: number) {
      this.intervals.push(ms);
    },
    setSpeedLimit(kmh: number | null) {
      this.limits.push(kmh);
    },
    uptimeS: () => 12.345,
  };
  const executor = new CommandExecutor({
    deviceId: 'v1',
    journal,
    controls,
    now: () => NOW,
    log: silentLogger(),
    fault: options.fault,
    crash: () => {
      throw new Crash('injected');
    },
  });
  return { executor, controls, file, close: () => journal.close() };
}

const message = (id: string, name: string, params: unknown = {}, expires_at = LATER) =>
  Buffer.from(JSON.stringify({ command_id: id, name, params, expires_at }));

const answerOf = (v: Vehicle, payload: Buffer) =>
  JSON.parse(v.executor.handle(payload)?.payload ?? 'null') as CommandResultMessage | null;

describe('CommandExecutor', () => {
  it('ping answers the uptime; set_interval and set_speed_limit apply and keep their setting', () => {
    const path = join(tempDir('executor-'), 'v1.db');
    const v = vehicle(path);
    expect(answerOf(v, message('c1', 'ping'))).toEqual({
      command_id: 'c1',
      device_id: 'v1',
      status: 'succeeded',
      result: { uptime_s: 12.345 },
      timestamp: new Date(NOW).toISOString(),
    });
    expect(answerOf(v, message('c2', 'set_interval', { interval_ms: 250 }))).toMatchObject({
      status: 'succeeded',
      result: { interval_ms: 250 },
    });
    expect(answerOf(v, message('c3', 'set_speed_limit', { speed_kmh: 50 }))?.status).toBe(
      'succeeded',
    );
    expect(answerOf(v, message('c4', 'set_speed_limit', { speed_kmh: null }))).toMatchObject({
      result: { speed_kmh: null },
    });
    expect(v.controls.intervals).toEqual([250]);
    expect(v.controls.limits).toEqual([50, null]);
    v.close();
    const reopened = new QueueDatabase(path).open().journal('v1', { now: () => NOW });
    expect(reopened.settings()).toEqual({ intervalMs: 250, speedLimitKmh: null });
    reopened.close();
  });

  it('rejects unknown names, bad params, a past expires_at and malformed messages, with a reason', () => {
    const v = vehicle(join(tempDir('executor-'), 'v1.db'));
    const cases: Array<[Buffer, string]> = [
      [
        message('r1', 'self_destruct'),
        'unknown command: this vehicle runs ping, set_interval and set_speed_limit',
      ],
      [
        message('r2', 'set_interval', { interval_ms: 5 }),
        'invalid params: params.interval_ms must be an integer from 10 to 60000',
      ],
      [
        message('r3', 'set_interval', { interval_ms: 100, x: 1 }),
        'invalid params: params has unknown keys',
      ],
      [
        message('r4', 'set_speed_limit', { speed_kmh: 301 }),
        'invalid params: params.speed_kmh must be a number from 0 to 300, or null to lift the limit',
      ],
      [message('r5', 'ping', {}, new Date(NOW).toISOString()), EXPIRED_ERROR],
      [message('r6', 'ping', [1]), 'invalid command message: params'],
      [message('r7', 'ping', {}, 'tomorrow'), 'invalid command message: expires_at'],
    ];
    for (const [payload, error] of cases) {
      expect(answerOf(v, payload), error).toMatchObject({ status: 'rejected', error });
    }
    expect(v.controls.intervals).toEqual([]);
    // No usable id: nothing to answer.
    for (const junk of ['{', '[]', '{"command_id":"<script>","name":"ping"}', 'x'.repeat(5000)]) {
      expect(v.executor.handle(Buffer.from(junk))).toBeUndefined();
    }
    v.close();
  });

  it('exactly once: a command delivered again (even after a restart) gets its first answer and does not run', () => {
    const path = join(tempDir('executor-'), 'v1.db');
    const first = vehicle(path);
    const original = first.executor.handle(message('c1', 'set_interval', { interval_ms: 300 }));
    expect(original?.executed).toBe(true);
    first.close();
    const second = vehicle(path);
    const again = second.executor.handle(message('c1', 'set_interval', { interval_ms: 300 }));
    expect(again).toEqual({ commandId: 'c1', payload: original?.payload, executed: false });
    // Even if the redelivered copy were altered, the id decides.
    expect(second.executor.handle(message('c1', 'ping'))?.payload).toBe(original?.payload);
    expect(second.controls.intervals).toEqual([]);
    second.close();
  });

  it('a setting that cannot be stored is not applied: failed, recorded as the first answer', () => {
    const v = vehicle(join(tempDir('executor-'), 'v1.db'), { failSettings: true });
    const failed = answerOf(v, message('f1', 'set_speed_limit', { speed_kmh: 30 }));
    expect(failed).toMatchObject({
      status: 'failed',
      error: 'the vehicle could not store the setting',
    });
    expect(v.controls.limits).toEqual([]);
    expect(answerOf(v, message('f1', 'set_speed_limit', { speed_kmh: 30 }))).toEqual(failed);
    // Commands that store no setting still work.
    expect(answerOf(v, message('f2', 'ping'))?.status).toBe('succeeded');
    v.close();
  });

  it('injected crashes: before the commit nothing is kept (it runs after the restart); after it, the answer is kept', () => {
    const path = join(tempDir('executor-'), 'v1.db');
    const before = vehicle(path, { fault: 'command-crash-before-commit' });
    expect(() =>
      before.executor.handle(message('k1', 'set_interval', { interval_ms: 40 })),
    ).toThrow(Crash);
    before.close();
    const after = vehicle(path, { fault: 'command-crash-after-commit' });
    expect(() => after.executor.handle(message('k1', 'set_interval', { interval_ms: 40 }))).toThrow(
      Crash,
    );
    // The effect was committed and applied before the crash point.
    expect(after.controls.intervals).toEqual([40]);
    after.close();
    const restarted = vehicle(path);
    expect(
      restarted.executor.handle(message('k1', 'set_interval', { interval_ms: 40 })),
    ).toMatchObject({
      executed: false,
    });
    expect(restarted.controls.intervals).toEqual([]);
    restarted.close();
  });

  it('the journal forgets delivered answers a day after their expiry, keeps undelivered ones, and resends those', () => {
    const path = join(tempDir('executor-'), 'v1.db');
    const file = new QueueDatabase(path).open();
    const journal = file.journal('v1', { now: () => NOW });
    journal.record('old', NOW - 1000, '{"old":1}');
    journal.markDelivered('old');
    journal.record('unsent', NOW - 1000, '{"unsent":1}');
    journal.record('fresh', NOW + 60_000, '{"fresh":1}');
    journal.markDelivered('fresh');
    expect(journal.undelivered()).toEqual([{ commandId: 'unsent', answer: '{"unsent":1}' }]);
    journal.close();
    const later = new QueueDatabase(path).open().journal('v1', { now: () => NOW + 2 * 86_400_000 });
    expect(later.find('old')).toBeUndefined();
    expect(later.find('unsent')).toMatchObject({ delivered: false, deliveries: 1 });
    expect(later.find('fresh')).toBeUndefined();
    expect(later.settings()).toEqual({ intervalMs: undefined, speedLimitKmh: null });
    later.close();
  });
});
