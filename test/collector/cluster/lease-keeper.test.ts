// Leases against a real redis-server: exclusivity, fencing tokens, fair shares, takeover of a dead member, self-fencing when Redis dies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LeaseKeeper, type LoseReason } from '../../../collector/cluster/lease-keeper.js';
import { RedisLeaseStore } from '../../../collector/cluster/lease-store.js';
import { silentLogger } from '../../../core/log.js';
import { RedisProcess } from '../../../harness/redis.js';
import { waitFor } from '../../../harness/wait.js';

const redis = new RedisProcess();
let prefix = 0;

beforeAll(() => redis.start());
afterAll(() => redis.stop('SIGKILL'));

function leases(owner: string, p: string) {
  return new RedisLeaseStore({
    url: redis.url,
    prefix: p,
    owner,
    commandTimeoutMs: 300,
    log: silentLogger(),
  });
}

async function ready(s: RedisLeaseStore): Promise<RedisLeaseStore> {
  await s.start();
  await waitFor(
    () => s.heartbeat(1000).catch(() => 0),
    (n) => n > 0,
    { what: 'redis ready' },
  );
  return s;
}

function keeper(store: RedisLeaseStore, owner: string, partitions: number, ttlMs: number) {
  const events: Array<[string, string]> = [];
  const k = new LeaseKeeper(
    {
      leases: store,
      now: Date.now,
      log: silentLogger(),
      onGain: async (name) => {
        events.push(['gain', name]);
      },
      onLose: async (name, reason: LoseReason) => {
        events.push([reason, name]);
      },
    },
    { partitions, ttlMs, singletons: ['alarms'], owner },
  );
  return { k, events };
}

describe('RedisLeaseStore', () => {
  it('one owner at a time; tokens grow; only the owner renews or releases', async () => {
    const p = `t${prefix++}`;
    const a = await ready(leases('a', p));
    const b = await ready(leases('b', p));
    const t1 = await a.acquire('p0', 2000);
    expect(t1).toBe(1);
    expect(await b.acquire('p0', 2000)).toBeUndefined();
    expect(await b.renew('p0', 2000)).toBe(false);
    expect(await b.release('p0')).toBe(false);
    expect(await a.renew('p0', 2000)).toBe(true);
    expect(await a.owners(['p0', 'p1'])).toEqual(['a', null]);
    expect(await a.release('p0')).toBe(true);
    expect(await b.acquire('p0', 2000)).toBe(2);
    expect(await b.heartbeat(2000)).toBe(2);
    await a.stop();
    await b.stop();
  });

  it('an expired lease goes to the next taker', async () => {
    const p = `t${prefix++}`;
    const a = await ready(leases('a', p));
    const b = await ready(leases('b', p));
    expect(await a.acquire('p0', 150)).toBe(1);
    await waitFor(
      () => b.acquire('p0', 2000),
      (t) => t === 2,
      { what: 'takeover' },
    );
    expect(await a.renew('p0', 2000)).toBe(false);
    await a.stop();
    await b.stop();
  });
});

describe('LeaseKeeper', { timeout: 30_000 }, () => {
  it('two members split the partitions; the survivor takes all after the other dies; one alarms holder', async () => {
    const p = `t${prefix++}`;
    const a = keeper(await ready(leases('a', p)), 'a', 8, 1000);
    const b = keeper(await ready(leases('b', p)), 'b', 8, 1000);
    a.k.start();
    b.k.start();
    await waitFor(
      () => [a.k.partitions().length, b.k.partitions().length],
      ([x, y]) => x === 4 && y === 4,
      { timeoutMs: 10_000, what: 'even split' },
    );
    expect(new Set([...a.k.partitions(), ...b.k.partitions()]).size).toBe(8);
    expect(a.k.valid('alarms') !== b.k.valid('alarms')).toBe(true);
    // b dies without a word (no release): its leases expire and a takes them.
    const bStore = (b.k as unknown as { deps: { leases: RedisLeaseStore } }).deps.leases;
    (b.k as unknown as { stopped: boolean }).stopped = true;
    await bStore.stop();
    // The partitions and the alarms singleton are leases of their own, taken on their own turns
    // (a fresh-clone run saw all 8 partitions one turn before the singleton): both are awaited.
    await waitFor(
      () => [a.k.partitions().length, a.k.valid('alarms')] as const,
      ([n, alarms]) => n === 8 && alarms,
      {
        timeoutMs: 10_000,
        what: 'takeover of every partition and the alarms singleton',
      },
    );
    await a.k.stop();
  });

  it('a member joining gets its share through clean handovers', async () => {
    const p = `t${prefix++}`;
    const a = keeper(await ready(leases('a', p)), 'a', 6, 1000);
    a.k.start();
    await waitFor(
      () => a.k.partitions().length,
      (n) => n === 6,
      { what: 'all taken' },
    );
    const b = keeper(await ready(leases('b', p)), 'b', 6, 1000);
    b.k.start();
    await waitFor(
      () => [a.k.partitions().length, b.k.partitions().length],
      ([x, y]) => x === 3 && y === 3,
      { timeoutMs: 10_000, what: 'rebalanced' },
    );
    expect(a.events.filter(([e]) => e === 'released')).toHaveLength(3);
    expect(a.events.filter(([e]) => e === 'expired' || e === 'taken')).toHaveLength(0);
    await a.k.stop();
    await b.k.stop();
  });

  it('Redis gone: every lease is fenced before its TTL; Redis back: leases are taken again', async () => {
    const own = new RedisProcess();
    await own.start();
    const store = new RedisLeaseStore({
      url: own.url,
      prefix: 'x',
      owner: 'a',
      commandTimeoutMs: 200,
      log: silentLogger(),
    });
    await ready(store);
    const a = keeper(store, 'a', 4, 1000);
    a.k.start();
    await waitFor(
      () => a.k.partitions().length,
      (n) => n === 4,
      { what: 'all taken' },
    );
    const killedAt = Date.now();
    await own.stop('SIGKILL');
    await waitFor(
      () => a.k.partitions().length,
      (n) => n === 0,
      { what: 'fenced' },
    );
    expect(Date.now() - killedAt).toBeLessThan(1000);
    expect(a.events.filter(([e]) => e === 'expired')).toHaveLength(5); // 4 partitions + alarms
    await own.start();
    await waitFor(
      () => a.k.partitions().length,
      (n) => n === 4,
      {
        timeoutMs: 15_000,
        what: 'taken again',
      },
    );
    await a.k.stop();
    await own.stop('SIGKILL');
  });
});
