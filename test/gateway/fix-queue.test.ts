// The gateway queue's file: its WAL checkpointed by a thread of its own stays small while the main thread commits, and the publisher's "which fixes come after this seq?" gets the same answer from memory, from the file and after a reopen.
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FixQueue } from '../../gateway/queue/fix-queue.js';
import { BACKSTOP_PAGES, WalCheckpointer } from '../../gateway/queue/wal-checkpointer.js';
import { waitFor } from '../../harness/wait.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(() => removeTempDirs());

const VALUES = JSON.stringify({ speed: 50.5, lat: 54.61234, lon: 25.21234, ignition: true });

function walBytes(path: string): number {
  try {
    return statSync(`${path}-wal`).size;
  } catch {
    return 0;
  }
}

describe('gateway fix queue', () => {
  it('keeps its WAL small with checkpoints on their own thread (the commits never run one)', async () => {
    const path = join(tempDir('fix-queue-'), 'gateway.db');
    const q = new FixQueue(path, { numberOnArrival: true, walAutocheckpoint: BACKSTOP_PAGES });
    q.open();
    const warnings: string[] = [];
    const cp = new WalCheckpointer(path, 50, (m) => warnings.push(m));
    cp.start();
    for (let d = 0; d < 200; d++) q.raiseNextSeq(`dev${d}`, 0);
    // 20 rounds of 1,000 fixes: ~25 MB of WAL frames in all, below the backstop's 100 MB, so
    // without the thread the WAL file grows to ~25 MB (measured); with it 2-4 MB.
    let largest = 0;
    for (let round = 0; round < 20; round++) {
      q.append(
        Array.from({ length: 1000 }, (_, k) => ({
          deviceId: `dev${k % 200}`,
          fixMs: 1_700_000_000_000 + round * 10_000 + Math.floor(k / 200) * 1000,
          values: VALUES,
        })),
      );
      largest = Math.max(largest, walBytes(path));
      // Two more of the thread's checkpoints, whatever the machine's load: the second began after
      // this round's commit, so it copied every frame and the next commit reuses the WAL.
      const done = cp.checkpoints;
      await waitFor(
        () => cp.checkpoints,
        (n) => n > done + 1,
        { what: 'a checkpoint', timeoutMs: 10_000, intervalMs: 10 },
      );
    }
    const written = 20 * 1000;
    expect(q.totalQueued).toBe(written);
    expect(largest).toBeGreaterThan(0);
    expect(largest).toBeLessThan(12 * 1024 * 1024);
    await cp.stop();
    expect(warnings).toEqual([]);
    q.close();
  });

  it('finds numbered fixes past a seq after a reopen, and none past the newest', () => {
    const path = join(tempDir('fix-queue-'), 'gateway.db');
    const q = new FixQueue(path, { numberOnArrival: true }).open();
    q.raiseNextSeq('a', 10);
    q.append([0, 1, 2].map((i) => ({ deviceId: 'a', fixMs: 1000 + i, values: VALUES })));
    // The publisher's usual questions (from memory), then a rewind (from the file): the same fixes.
    expect(q.after('a', 9, 1).map((f) => f.seq)).toEqual([10]);
    expect(q.after('a', 10, 10).map((f) => [f.seq, f.fixMs])).toEqual([
      [11, 1001],
      [12, 1002],
    ]);
    expect(q.after('a', 12, 10)).toEqual([]);
    expect(q.after('a', -1, 10).map((f) => [f.seq, f.fixMs, f.values])).toEqual(
      [10, 11, 12].map((seq) => [seq, 990 + seq, VALUES]),
    );
    expect(q.after('a', 9, 10).map((f) => f.seq)).toEqual([10, 11, 12]);
    expect(q.after('b', -1, 10)).toEqual([]);
    q.close();
    const again = new FixQueue(path, { numberOnArrival: true }).open();
    expect(again.after('a', 10, 10).map((f) => f.seq)).toEqual([11, 12]);
    expect(again.after('a', 12, 10)).toEqual([]);
    again.confirmThrough('a', 12);
    expect(again.after('a', -1, 10)).toEqual([]);
    again.close();
  });
});
