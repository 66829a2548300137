import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteQueue, sharedQueueFile } from '../../devices/offline-queue.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(removeTempDirs);

const payloadOf = (seq: number) => `{"seq":${seq}}`;

describe('SQLite offline queue', () => {
  it('assigns seq from 0, returns the oldest first and deletes only what is acknowledged', () => {
    const dir = tempDir();
    const q = openSqliteQueue({ dir, deviceId: 'vehicle_01', capacity: 100 });
    for (let i = 0; i < 5; i++) q.append(payloadOf);
    expect(q.after(-1, 3).map((m) => m.seq)).toEqual([0, 1, 2]);
    expect(q.after(2, 10).map((m) => m.payload)).toEqual(['{"seq":3}', '{"seq":4}']);
    q.remove([1, 3]);
    expect(q.size).toBe(3);
    expect(q.after(-1, 10).map((m) => m.seq)).toEqual([0, 2, 4]);
    q.removeThrough(2);
    expect(q.after(-1, 10).map((m) => m.seq)).toEqual([4]);
    q.close();
  });

  it('keeps seq and the backlog across a reopen (process restart)', () => {
    const dir = tempDir();
    const q1 = openSqliteQueue({ dir, deviceId: 'vehicle_02', capacity: 100 });
    for (let i = 0; i < 4; i++) q1.append(payloadOf);
    q1.remove([0, 1, 2, 3]);
    q1.append(payloadOf); // seq 4 stays unacknowledged
    q1.close();
    const q2 = openSqliteQueue({ dir, deviceId: 'vehicle_02', capacity: 100 });
    expect(q2.size).toBe(1);
    expect(q2.nextSeq).toBe(5);
    expect(q2.append(payloadOf).seq).toBe(5);
    expect(q2.after(-1, 10).map((m) => m.seq)).toEqual([4, 5]);
    q2.close();
  });

  it('when full, drops the oldest readings and counts them persistently', () => {
    const dir = tempDir();
    const q = openSqliteQueue({ dir, deviceId: 'vehicle_03', capacity: 5 });
    for (let i = 0; i < 8; i++) q.append(payloadOf);
    expect(q.size).toBe(5);
    expect(q.dropped).toBe(3);
    expect(q.after(-1, 10).map((m) => m.seq)).toEqual([3, 4, 5, 6, 7]);
    expect(q.evictions()).toEqual([[0, 2]]);
    q.removeThrough(4); // 3 and 4 confirmed: the next evictions start at 5, a new run
    q.append(payloadOf);
    q.append(payloadOf);
    q.append(payloadOf); // 8 rows appended so far -> 5,6,7,8,9,10 = 6 > 5: evicts 5
    expect(q.evictions()).toEqual([
      [0, 2],
      [5, 5],
    ]);
    q.append(payloadOf); // evicts 6: merged into the run
    expect(q.evictions()).toEqual([
      [0, 2],
      [5, 6],
    ]);
    expect(q.dropped).toBe(5);
    q.close();
    // The file itself holds the same truth.
    const db = new Database(join(dir, 'vehicle_03.db'), { readonly: true });
    expect(db.prepare('SELECT next_seq, dropped FROM devices').get()).toEqual({
      next_seq: 12,
      dropped: 5,
    });
    expect(db.prepare('SELECT count(*) AS n FROM queue').get()).toEqual({ n: 5 });
    db.close();
    const reopened = openSqliteQueue({ dir, deviceId: 'vehicle_03', capacity: 5 });
    expect(reopened.dropped).toBe(5);
    reopened.close();
  });

  it('shared layout: one file holds independent queues for many devices, closed with the last one', () => {
    const dir = tempDir();
    const file = sharedQueueFile(dir).open();
    const a = file.queue('vehicle_01', 3);
    const b = file.queue('vehicle_02', 100);
    for (let i = 0; i < 5; i++) a.append(payloadOf);
    b.append(payloadOf);
    expect(a.after(-1, 10).map((m) => m.seq)).toEqual([2, 3, 4]);
    expect(a.evictions()).toEqual([[0, 1]]);
    expect(b.after(-1, 10).map((m) => m.seq)).toEqual([0]);
    expect(b.removeThrough(0)).toBe(1);
    expect([a.size, b.size, a.nextSeq, b.nextSeq]).toEqual([3, 0, 5, 1]);
    a.close();
    b.append(payloadOf); // the file stays open while a view remains
    b.close();
    const db = new Database(join(dir, 'fleet.db'), { readonly: true });
    expect(
      db.prepare('SELECT device_id, next_seq, dropped FROM devices ORDER BY device_id').all(),
    ).toEqual([
      { device_id: 'vehicle_01', next_seq: 5, dropped: 2 },
      { device_id: 'vehicle_02', next_seq: 2, dropped: 0 },
    ]);
    db.close();
  });
});
