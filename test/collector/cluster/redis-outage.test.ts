// Several collectors survive a Redis outage: leases lapse and every collector stops storing (devices keep their readings); Redis back, ingest resumes, nothing lost or doubled.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { tally } from '../../../drill/accounting.js';
import { ClusterEnvironment } from '../../../drill/cluster-environment.js';
import { sleep, waitFor } from '../../../harness/wait.js';

const dir = mkdtempSync(join(tmpdir(), 'cluster-redis-outage-'));
const env = new ClusterEnvironment(
  {
    dir,
    devices: 4,
    intervalMs: 20,
    store: 'sqlite',
    ackMode: 'e2e',
    queueMax: 10_000,
    prefix: 'ro_',
  },
  { collectors: 2, partitions: 4, leaseTtlMs: 2000 },
);

afterAll(async () => {
  await env.stop().catch(() => {});
  rmSync(dir, { recursive: true, force: true });
});

const storedTotal = async () =>
  [...(await env.storedSeqs()).values()].reduce((n, s) => n + s.length, 0);

describe('several collectors, Redis killed and restarted', { timeout: 120_000 }, () => {
  it('storing stops while Redis is down (self-fencing), resumes after; no loss, no duplicates', async () => {
    await env.start();
    await sleep(1000);
    await env.redis.stop('SIGKILL');
    // Every collector fences each lease within the TTL: from then on nothing more is stored.
    await waitFor(
      () => env.members.every((m) => (m.proc.stderr.match(/"msg":"lease lost/g) ?? []).length >= 2),
      Boolean,
      { timeoutMs: 10_000, what: 'every collector fenced' },
    );
    // A write already under way when the last lease lapsed may still land (a loaded machine took
    // over 300 ms to commit one): wait until a whole second passes without a new row, then the
    // count must stay where it is while Redis is down.
    let frozen = await storedTotal();
    await waitFor(
      async () => {
        await sleep(1000);
        const now = await storedTotal();
        const stable = now === frozen;
        frozen = now;
        return stable;
      },
      Boolean,
      { timeoutMs: 10_000, what: 'storing stopped' },
    );
    await sleep(1500);
    expect(await storedTotal()).toBe(frozen);
    await env.redis.start();
    await env.waitBalanced(30_000);
    await waitFor(storedTotal, (n) => n > frozen + 100, {
      timeoutMs: 20_000,
      what: 'ingest resumed',
    });
    await env.drain(60_000);
    const t = tally(env.ledgers(), await env.storedSeqs());
    expect(t).toMatchObject({ lost: 0, duplicates: 0, unexpected: 0, stored: t.published });
    expect(env.live()).toHaveLength(2);
  });
});
