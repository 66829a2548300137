// The dashboard's command store on a real SQLite file, with an explicit clock: every transition, its guards, deadlines, order, reopening.
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NewCommand } from '../../../dashboard/commands/command-store.js';
import { SqliteCommandStore } from '../../../dashboard/commands/sqlite-command-store.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';

afterAll(removeTempDirs);

const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const TIMEOUT = 30_000;
let n = 0;

function open(): SqliteCommandStore {
  const store = new SqliteCommandStore(join(tempDir('command-store-'), 'nested', 'state.db'));
  store.start();
  return store;
}

const command = (deviceId: string, at = T0, ttlMs = 60_000): NewCommand => ({
  commandId: `c${++n}`,
  deviceId,
  name: 'ping',
  params: { a: [1, null], s: '<b>"x"</b>' },
  createdAt: at,
  expiresAt: at + ttlMs,
});

const ok = { status: 'succeeded' as const, result: { uptime_s: 1.5 }, error: undefined };

describe('SqliteCommandStore', () => {
  it('stores a command queued, with its params intact, and lists a vehicle newest first', () => {
    const store = open();
    const a = store.insert(command('v1'));
    const b = store.insert(command('v1', T0 + 1));
    store.insert(command('v2'));
    expect(a).toMatchObject({ status: 'queued', params: { a: [1, null], s: '<b>"x"</b>' } });
    expect(a.publishedAt).toBeUndefined();
    expect(store.list('v1', 10).map((c) => c.commandId)).toEqual([b.commandId, a.commandId]);
    expect(store.list('v1', 1).map((c) => c.commandId)).toEqual([b.commandId]);
    expect(store.get('nope')).toBeUndefined();
    expect(store.pendingDevices().sort()).toEqual(['v1', 'v2']);
    expect(store.pendingCount('v1')).toBe(2);
    store.stop();
  });

  it('head is the oldest pending command; it moves on only when that one settles', () => {
    const store = open();
    const a = store.insert(command('v1'));
    const b = store.insert(command('v1'));
    expect(store.head('v1')?.commandId).toBe(a.commandId);
    store.markPublished(a.commandId, T0 + 5);
    store.markPublished(a.commandId, T0 + 9); // kept once
    expect(store.markSent(a.commandId, T0 + 10)).toMatchObject({
      status: 'sent',
      sentAt: T0 + 10,
      publishedAt: T0 + 5,
    });
    expect(store.head('v1')?.commandId).toBe(a.commandId);
    expect(store.recordAnswer(a.commandId, 'v1', ok, T0 + 20)).toMatchObject({
      status: 'succeeded',
      result: { uptime_s: 1.5 },
      updatedAt: T0 + 20,
    });
    expect(store.head('v1')?.commandId).toBe(b.commandId);
    store.stop();
  });

  it('guards: a PUBACK after the answer, a repeated answer, another vehicle’s answer change nothing', () => {
    const store = open();
    const a = store.insert(command('v1'));
    expect(store.recordAnswer(a.commandId, 'v2', ok, T0 + 1)).toBeUndefined();
    // An answer may come before the PUBACK is seen (e.g. across a dashboard restart).
    expect(store.recordAnswer(a.commandId, 'v1', ok, T0 + 2)?.status).toBe('succeeded');
    expect(store.markSent(a.commandId, T0 + 3)).toBeUndefined();
    const failed = { status: 'failed' as const, result: undefined, error: 'later' };
    expect(store.recordAnswer(a.commandId, 'v1', failed, T0 + 4)).toBeUndefined();
    expect(store.get(a.commandId)).toMatchObject({ status: 'succeeded', error: undefined });
    store.stop();
  });

  it('deadlines: unsent past expires_at → expired; sent past the timeout → timed_out; handed over but never acknowledged → timed_out', () => {
    const store = open();
    const unsent = store.insert(command('v1', T0, 10_000));
    const sent = store.insert(command('v2', T0, 600_000));
    const handedOver = store.insert(command('v3', T0, 20_000));
    store.markSent(sent.commandId, T0 + 1000);
    store.markPublished(handedOver.commandId, T0 + 1000);
    expect(store.nextDeadline(TIMEOUT)).toBe(T0 + 10_000);
    expect(store.settleDue(T0 + 9_999, TIMEOUT)).toEqual([]);
    expect(store.settleDue(T0 + 10_000, TIMEOUT)).toMatchObject([
      {
        commandId: unsent.commandId,
        status: 'expired',
        error: 'expires_at passed before it could be sent (vehicle offline or busy)',
      },
    ]);
    expect(store.nextDeadline(TIMEOUT)).toBe(T0 + 20_000);
    expect(store.settleDue(T0 + 20_000, TIMEOUT)).toMatchObject([
      {
        commandId: handedOver.commandId,
        status: 'timed_out',
        error: 'expires_at passed; the broker never acknowledged it',
      },
    ]);
    expect(store.nextDeadline(TIMEOUT)).toBe(T0 + 31_000);
    expect(store.settleDue(T0 + 31_000, TIMEOUT)).toMatchObject([
      {
        commandId: sent.commandId,
        status: 'timed_out',
        error: 'no answer within 30 s of being sent',
      },
    ]);
    expect(store.nextDeadline(TIMEOUT)).toBeUndefined();
    expect(store.pendingDevices()).toEqual([]);
    // A late answer replaces timed_out; nothing replaces expired.
    expect(store.recordAnswer(sent.commandId, 'v2', ok, T0 + 40_000)).toMatchObject({
      status: 'succeeded',
      error: undefined,
    });
    expect(store.recordAnswer(unsent.commandId, 'v1', ok, T0 + 40_000)).toBeUndefined();
    store.stop();
  });

  it('keeps everything across a reopen (restart), and prunes only settled commands', () => {
    const dir = tempDir('command-store-');
    const path = join(dir, 'state.db');
    const first = new SqliteCommandStore(path);
    first.start();
    const old = first.insert(command('v1', T0));
    first.recordAnswer(old.commandId, 'v1', ok, T0 + 1);
    const waiting = first.insert(command('v1', T0));
    first.markSent(waiting.commandId, T0 + 2);
    first.stop();
    first.stop();
    const second = new SqliteCommandStore(path);
    second.start();
    expect(second.get(old.commandId)?.status).toBe('succeeded');
    expect(second.get(waiting.commandId)).toMatchObject({ status: 'sent', sentAt: T0 + 2 });
    expect(second.prune(T0 + 1_000_000)).toBe(1);
    expect(second.list('v1', 10).map((c) => c.commandId)).toEqual([waiting.commandId]);
    second.stop();
  });
});
