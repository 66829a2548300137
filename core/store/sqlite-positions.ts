// Judges a batch's new fixes of one device inside the SQLite write transaction: in order against the latest valid fix, or, for late fixes, against the stored ones around them.
import type Database from 'better-sqlite3';
import type { Reading } from '../contract.js';
import { type Fix, type JudgedFix, judgeLate, PositionJudge } from '../signals/position-judge.js';
import { flagOfCode } from './sqlite-layout.js';
import type { Reflag } from './types.js';

interface StoredFix {
  ts: number;
  seq: number;
  lat: number;
  lon: number;
  pos_flag: number;
}

export interface PositionStatements {
  anchorBefore: Database.Statement<{ device: string; ts: number; seq: number }, Fix>;
  after: Database.Statement<{ device: string; ts: number; seq: number }, StoredFix>;
  reflag: Database.Statement<[number | null, string, number]>;
}

export function preparePositions(db: Database.Database): PositionStatements {
  return {
    anchorBefore: db.prepare(
      `SELECT ts, seq, lat, lon FROM readings WHERE device_id = @device AND pos_flag = 0
         AND (ts < @ts OR (ts = @ts AND seq < @seq)) ORDER BY ts DESC, seq DESC LIMIT 1`,
    ),
    after: db.prepare(
      `SELECT ts, seq, lat, lon, pos_flag FROM readings WHERE device_id = @device
         AND pos_flag IS NOT NULL AND ts >= @ts AND (ts > @ts OR seq > @seq) ORDER BY ts, seq`,
    ),
    reflag: db.prepare('UPDATE readings SET pos_flag = ? WHERE device_id = ? AND seq = ?'),
  };
}

/** What the device row knows: its newest fix of any kind, and its newest valid one. */
export interface FixState {
  /** Device time of the newest stored fix (valid or flagged); undefined: none. */
  newestFixTs: number | undefined;
  latestValid: Fix | undefined;
}

export interface JudgedBatch {
  /** Late fixes went through the stored ones: the latest valid fix must be read again. */
  late: boolean;
  reflagged: Reflag[];
}

const toJudged = (r: Reading, ts: number): JudgedFix => ({
  ts,
  seq: r.seq,
  lat: r.values.lat as number,
  lon: r.values.lon as number,
  flag: r.position_flag,
});

/**
 * `fixes` are the device's new readings with a position, with their times, in any order. Sets
 * `position_flag = 'jump'` on the ones that are; returns the stored fixes whose flag changed
 * (to write after the new rows) as Reflags.
 */
export function judgeDeviceFixes(
  s: PositionStatements,
  deviceId: string,
  state: FixState,
  fixes: Array<{ reading: Reading; ts: number }>,
): JudgedBatch & { changed: JudgedFix[] } {
  fixes.sort((a, b) => a.ts - b.ts || a.reading.seq - b.reading.seq);
  const first = fixes[0];
  if (!first) return { late: false, reflagged: [], changed: [] };
  if (state.newestFixTs === undefined || first.ts > state.newestFixTs) {
    const judge = new PositionJudge(state.latestValid);
    for (const { reading, ts } of fixes) {
      const flag = judge.judge(toJudged(reading, ts), reading.position_flag);
      if (flag) reading.position_flag = flag;
    }
    return { late: false, reflagged: [], changed: [] };
  }
  const key = { device: deviceId, ts: first.ts, seq: first.reading.seq };
  const anchor = s.anchorBefore.get(key);
  const iterator = s.after.iterate(key);
  const stored: Iterator<JudgedFix> = {
    next: () => {
      const n = iterator.next();
      if (n.done) return { done: true, value: undefined };
      const row = n.value;
      return {
        done: false,
        value: {
          ts: row.ts,
          seq: row.seq,
          lat: row.lat,
          lon: row.lon,
          flag: flagOfCode(row.pos_flag),
        },
      };
    },
  };
  let result: ReturnType<typeof judgeLate>;
  try {
    result = judgeLate(
      anchor,
      fixes.map((f) => toJudged(f.reading, f.ts)),
      stored,
    );
  } finally {
    iterator.return?.();
  }
  fixes.forEach((f, i) => {
    const flag = result.freshFlags[i];
    if (flag) f.reading.position_flag = flag;
    else delete f.reading.position_flag;
  });
  return {
    late: true,
    changed: result.changed,
    reflagged: result.changed.map((c) => ({ deviceId, seq: c.seq, time: c.ts, flag: c.flag })),
  };
}
