// One suite for every Numbering (local; Redis with a real redis-server), then what only Redis gives: two gateways share one device's seqs and its fix times, and a crash between asking and recording neither loses nor doubles a seq.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../core/log.js';
import { FixQueue } from '../../gateway/queue/fix-queue.js';
import {
  LocalNumbering,
  type Numbering,
  RedisNumbering,
  type SeqService,
} from '../../gateway/queue/numbering.js';
import { RedisSeqService } from '../../gateway/queue/redis-seq-service.js';
import { RedisProcess } from '../../harness/redis.js';
import { waitFor } from '../../harness/wait.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const log = createLogger('silent', 'test');
const redis = new RedisProcess();
let service: RedisSeqService;
let prefixCount = 0;

beforeAll(async () => {
  await redis.start();
  service = new RedisSeqService({ url: redis.url, seenPerDevice: 100, log });
  await service.start();
  await waitFor(
    () =>
      service
        .allocate({ deviceId: 'probe', gatewayId: 'g', token: 't', floor: 0, fixes: [1] })
        .then(
          () => true,
          () => false,
        ),
    (ok) => ok,
    { what: 'redis ready' },
  );
});

afterAll(async () => {
  await service?.stop();
  await redis.stop();
  removeTempDirs();
});

function queue(): FixQueue {
  return new FixQueue(join(tempDir('numbering-'), 'gateway.db')).open();
}

const fix = (deviceId: string, fixMs: number) => ({
  deviceId,
  fixMs,
  values: `{"speed":${fixMs % 100}}`,
});

interface Kind {
  name: string;
  make: (q: FixQueue) => Numbering;
}

const KINDS: Kind[] = [
  { name: 'local', make: (q) => new LocalNumbering(q) },
  {
    name: 'redis',
    // A fresh device name space per test: the service is shared by the file.
    make: (q) => new RedisNumbering(q, prefixed(service, `t${prefixCount++}`), 'gw-a'),
  },
];

/** The same service with device ids prefixed, so tests do not see each other's keys. */
function prefixed(s: SeqService, prefix: string): SeqService {
  return { allocate: (args) => s.allocate({ ...args, deviceId: `${prefix}-${args.deviceId}` }) };
}

describe.each(KINDS)('$name numbering', ({ make }) => {
  it('numbers fixes in arrival order from the next seq, in batches, and continues after a reopen', async () => {
    const q = queue();
    const n = make(q);
    q.append([fix('d', 3000), fix('d', 1000), fix('d', 2000)]);
    q.raiseNextSeq('d', 0);
    expect(await n.number('d', 2)).toBe(2);
    expect(await n.number('d', 10)).toBe(1);
    expect(await n.number('d', 10)).toBe(0);
    expect(q.after('d', -1, 10).map((r) => [r.seq, r.fixMs])).toEqual([
      [0, 3000],
      [1, 1000],
      [2, 2000],
    ]);
    q.close();
    const again = new FixQueue(q.path).open();
    again.append([fix('d', 4000)]);
    expect(await make(again).number('d', 10)).toBe(1);
    expect(again.after('d', 2, 10).map((r) => r.seq)).toEqual([3]);
    again.close();
  });

  it('starts above the floor the collector set, and refuses to number before one is known', async () => {
    const q = queue();
    const n = make(q);
    q.append([fix('e', 1), fix('e', 2)]);
    await expect(n.number('e', 10)).rejects.toThrow(/not known/);
    q.raiseNextSeq('e', 500);
    await n.number('e', 10);
    expect(q.after('e', -1, 10).map((r) => r.seq)).toEqual([500, 501]);
    q.close();
  });

  it('confirmed fixes keep their identity: a resend is not stored again', async () => {
    const q = queue();
    const n = make(q);
    q.raiseNextSeq('f', 0);
    expect(q.append([fix('f', 10), fix('f', 20)])).toEqual([true, true]);
    await n.number('f', 10);
    expect(q.confirmThrough('f', 1)).toBe(2);
    expect(q.queued('f')).toBe(0);
    expect(q.append([fix('f', 20), fix('f', 30)])).toEqual([false, true]);
    q.close();
  });
});

describe('local numbering on arrival (one gateway)', () => {
  it('numbers in the same commit once the next seq is known, after any fix still waiting, and continues after a reopen', async () => {
    const path = join(tempDir('arrival-'), 'gateway.db');
    const q = new FixQueue(path, { numberOnArrival: true }).open();
    // The floor is not known yet: these wait for a seq.
    q.append([fix('g', 1), fix('g', 2)]);
    q.raiseNextSeq('g', 10);
    // Something older still waits: this one waits behind it (arrival order is seq order).
    q.append([fix('g', 3)]);
    expect(q.unnumberedCount('g')).toBe(3);
    expect(await new LocalNumbering(q).number('g', 10)).toBe(3);
    q.append([fix('g', 4), fix('g', 5)]);
    expect(q.unnumberedCount('g')).toBe(0);
    expect(q.after('g', -1, 10).map((r) => [r.seq, r.fixMs])).toEqual([
      [10, 1],
      [11, 2],
      [12, 3],
      [13, 4],
      [14, 5],
    ]);
    q.close();
    const again = new FixQueue(path, { numberOnArrival: true }).open();
    expect(again.nextSeq('g')).toBe(15);
    again.confirmThrough('g', 14);
    again.append([fix('g', 6)]);
    expect(again.after('g', 14, 10).map((r) => r.seq)).toEqual([15]);
    again.close();
  });
});

describe('several gateways (Redis)', () => {
  it('one device alternating between two gateways gets unique, contiguous seqs', async () => {
    const a = queue();
    const b = queue();
    const na = new RedisNumbering(a, service, 'gw-a');
    const nb = new RedisNumbering(b, service, 'gw-b');
    a.raiseNextSeq('roamer', 0);
    b.raiseNextSeq('roamer', 0);
    for (let i = 0; i < 20; i++) {
      const [q, n] = i % 3 === 0 ? [b, nb] : [a, na];
      q.append([fix('roamer', 1000 + i)]);
      await n.number('roamer', 10);
    }
    const seqs = [...a.after('roamer', -1, 100), ...b.after('roamer', -1, 100)]
      .map((r) => r.seq)
      .sort((x, y) => x - y);
    expect(seqs).toEqual(Array.from({ length: 20 }, (_, i) => i));
    a.close();
    b.close();
  });

  it('a resend to the other gateway is recognised there and not numbered again', async () => {
    const a = queue();
    const b = queue();
    a.raiseNextSeq('phone', 0);
    b.raiseNextSeq('phone', 0);
    a.append([fix('phone', 5000)]);
    await new RedisNumbering(a, service, 'gw-a').number('phone', 10);
    // The phone got no answer from a and sends the same fix to b.
    b.append([fix('phone', 5000), fix('phone', 6000)]);
    expect(await new RedisNumbering(b, service, 'gw-b').number('phone', 10)).toBe(2);
    expect(a.after('phone', -1, 10).map((r) => [r.seq, r.fixMs])).toEqual([[0, 5000]]);
    expect(b.after('phone', -1, 10).map((r) => [r.seq, r.fixMs])).toEqual([[1, 6000]]);
    expect(b.queued('phone')).toBe(1);
    // And it stays known at b: sent there once more, it is a duplicate on arrival.
    expect(b.append([fix('phone', 5000)])).toEqual([false]);
    a.close();
    b.close();
  });

  it('a crash after Redis answered but before the answer was recorded: asked again, same seqs', async () => {
    const q = queue();
    q.raiseNextSeq('crashy', 0);
    q.append([fix('crashy', 1), fix('crashy', 2)]);
    let calls = 0;
    const lost: SeqService = {
      allocate: async (args) => {
        calls += 1;
        await service.allocate(args);
        throw new Error('connection lost before the answer');
      },
    };
    await expect(new RedisNumbering(q, lost, 'gw-c').number('crashy', 10)).rejects.toThrow();
    // Restarted: the question is still on disk and is asked with the same token.
    q.close();
    const reopened = new FixQueue(q.path).open();
    reopened.append([fix('crashy', 3)]);
    const n = new RedisNumbering(reopened, service, 'gw-c');
    expect(await n.number('crashy', 10)).toBe(2);
    expect(await n.number('crashy', 10)).toBe(1);
    expect(reopened.after('crashy', -1, 10).map((r) => [r.seq, r.fixMs])).toEqual([
      [0, 1],
      [1, 2],
      [2, 3],
    ]);
    expect(calls).toBe(1);
    reopened.close();
  });
});
