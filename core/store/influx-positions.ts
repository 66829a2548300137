// Judges new fixes on InfluxDB: in time order against each device's newest valid fix (kept in memory), late ones against the stored fixes around them (read back); flags a late fix changes are rewritten.
import { hasPosition, type Reading } from '../contract.js';
import { type JudgedFix, judgeLate } from '../signals/position-judge.js';
import {
  afterLate,
  applyFlags,
  type FixState,
  inOrder,
  judgedOf,
  NeedMore,
  pageIterator,
  sortByTime,
  withChanges,
} from './influx-fix-steps.js';
import type { InfluxSeries } from './influx-http.js';
import { codeOfFlag, FLAG_FIELD, flagOfCode, pointTimeNs } from './influx-points.js';
import { deviceFilter, quoteIdent, type SeriesSource, sourceRef } from './influxql.js';
import { flagLine } from './line-protocol.js';
import { FLAG_VALID, type Reflag } from './types.js';

export interface JudgedWrite {
  /** Stored fixes whose flag changed, as `pos_flag` lines (written before the new points). */
  lines: string[];
  reflagged: Reflag[];
  /** Once the points are stored: the devices' fix state moves on. */
  commit(): void;
}

const NOTHING: JudgedWrite = { lines: [], reflagged: [], commit: () => {} };

/** Stored fixes read after a late one: the first page, then 8 times more while judging goes on. */
const FIRST_PAGE = 64;
const LOADS_PER_REQUEST = 100;

const FIX_COLUMNS = `${quoteIdent('lat')}, ${quoteIdent('lon')}, ${quoteIdent(FLAG_FIELD)}`;

/**
 * Why in memory: the in-order fast path (every fix newer than the device's newest stored one)
 * needs no query, so a collector's batch of fixes costs a haversine each. A device's state is read
 * (two `LIMIT 1` selectors on the position fields, one request for a batch's devices) when its
 * first fix arrives after a start or a claim. Late fixes read the valid fix before the first of
 * them and the stored fixes after it until judging settles (core/signals/position-judge.ts).
 * Without reads (blind mode) late fixes are judged among themselves only.
 */
export class InfluxFixes {
  private readonly states = new Map<string, FixState>();

  constructor(
    private readonly raw: SeriesSource,
    /** Statements in one request; undefined: nothing can be read (blind). */
    private readonly queryEach: ((statements: string[]) => Promise<InfluxSeries[][]>) | undefined,
  ) {}

  /** Several collectors: these devices' fixes are read again when next needed. */
  forget(owns: (deviceId: string) => boolean): void {
    for (const id of [...this.states.keys()]) if (owns(id)) this.states.delete(id);
  }

  /**
   * Sets `position_flag` on the fresh readings it finds jumps in (and clears a jump a failed
   * attempt of the same reading left); returns the stored fixes to reflag and the state to commit.
   */
  async judge(fresh: readonly Reading[], times: readonly number[]): Promise<JudgedWrite> {
    let byDevice: Map<string, number[]> | undefined;
    for (let i = 0; i < fresh.length; i++) {
      const r = fresh[i] as Reading;
      if (!hasPosition(r)) continue;
      byDevice ??= new Map();
      const list = byDevice.get(r.device_id);
      if (list) list.push(i);
      else byDevice.set(r.device_id, [i]);
    }
    if (!byDevice) return NOTHING;
    await this.load([...byDevice.keys()].filter((id) => !this.states.has(id)));
    const pending = new Map<string, FixState>();
    const late: Array<[string, number[]]> = [];
    for (const [id, list] of byDevice) {
      sortByTime(list, fresh, times);
      const state = this.states.get(id) as FixState;
      const first = times[list[0] as number] as number;
      if (state.newestFixTs === undefined || first > state.newestFixTs) {
        pending.set(id, inOrder(list, fresh, times, state));
      } else late.push([id, list]);
    }
    const lines: string[] = [];
    const reflagged: Reflag[] = [];
    if (late.length > 0) await this.judgeLate(late, fresh, times, pending, lines, reflagged);
    return {
      lines,
      reflagged,
      commit: () => {
        for (const [id, s] of pending) this.states.set(id, s);
      },
    };
  }

  private async load(ids: readonly string[]): Promise<void> {
    const query = this.queryEach;
    if (!query) {
      for (const id of ids) this.states.set(id, { newestFixTs: undefined, latestValid: undefined });
      return;
    }
    for (let i = 0; i < ids.length; i += LOADS_PER_REQUEST) {
      const group = ids.slice(i, i + LOADS_PER_REQUEST);
      const from = (id: string) => `FROM ${sourceRef(this.raw)} WHERE ${deviceFilter(id)}`;
      const answers = await query(
        group.flatMap((id) => [
          `SELECT last(${quoteIdent(FLAG_FIELD)}) ${from(id)}`,
          `SELECT ${FIX_COLUMNS} ${from(id)} AND ${quoteIdent(FLAG_FIELD)} = ${FLAG_VALID} ` +
            'ORDER BY time DESC LIMIT 1',
        ]),
      );
      group.forEach((id, k) => {
        const newest = answers[2 * k]?.[0]?.values[0]?.[0];
        this.states.set(id, {
          newestFixTs: typeof newest === 'number' ? newest : undefined,
          latestValid: fixesOf(answers[2 * k + 1])[0],
        });
      });
    }
  }

  private async judgeLate(
    late: ReadonlyArray<[string, number[]]>,
    fresh: readonly Reading[],
    times: readonly number[],
    pending: Map<string, FixState>,
    lines: string[],
    reflagged: Reflag[],
  ): Promise<void> {
    const judged = late.map(([, list]) =>
      list.map((i) => judgedOf(fresh[i] as Reading, times[i] as number)),
    );
    const query = this.queryEach;
    if (!query) {
      late.forEach(([id, list], d) => {
        const own = judged[d] as JudgedFix[];
        const result = judgeLate(undefined, own, {
          next: () => ({ done: true, value: undefined }),
        });
        applyFlags(list, fresh, result.freshFlags);
        pending.set(id, afterLate(this.states.get(id) as FixState, own, result.freshFlags, []));
      });
      return;
    }
    // One request for every late device: the valid fix before its first fresh one, a first page after.
    const statements = late.flatMap(([id], d) => {
      const first = (judged[d] as JudgedFix[])[0] as JudgedFix;
      return [this.anchorStatement(id, first), this.afterStatement(id, first, FIRST_PAGE)];
    });
    const answers = await query(statements);
    for (let d = 0; d < late.length; d++) {
      const [id, list] = late[d] as [string, number[]];
      const own = judged[d] as JudgedFix[];
      const first = own[0] as JudgedFix;
      const anchor = fixesOf(answers[2 * d])[0];
      const seqs = new Set(own.map((f) => f.seq));
      let limit = FIRST_PAGE;
      let page = storedOf(answers[2 * d + 1], seqs);
      let full = (answers[2 * d + 1]?.[0]?.values.length ?? 0) >= limit;
      for (;;) {
        const stored = pageIterator(page, full);
        try {
          const result = judgeLate(anchor, own, stored);
          applyFlags(list, fresh, result.freshFlags);
          for (const c of result.changed) {
            lines.push(flagLine(id, c.ts, c.seq, codeOfFlag(c.flag)));
            reflagged.push({ deviceId: id, seq: c.seq, time: c.ts, flag: c.flag });
          }
          const state = this.states.get(id) as FixState;
          pending.set(
            id,
            stored.ended
              ? afterLate(
                  { newestFixTs: state.newestFixTs, latestValid: anchor },
                  own,
                  result.freshFlags,
                  withChanges(page, result.changed),
                )
              : // Judging settled on a stored fix that stayed valid: nothing after it changed,
                // and every fresh fix lies before it, so the newest valid fix is the same.
                afterLate(state, own, result.freshFlags, []),
          );
          break;
        } catch (err) {
          if (!(err instanceof NeedMore)) throw err;
          limit *= 8;
          const [answer] = await query([this.afterStatement(id, first, limit)]);
          page = storedOf(answer, seqs);
          full = (answer?.[0]?.values.length ?? 0) >= limit;
        }
      }
    }
  }

  private anchorStatement(deviceId: string, before: JudgedFix): string {
    return (
      `SELECT ${FIX_COLUMNS} FROM ${sourceRef(this.raw)} WHERE ${deviceFilter(deviceId)} ` +
      `AND ${quoteIdent(FLAG_FIELD)} = ${FLAG_VALID} AND time < ${pointTimeNs(before.ts, before.seq)} ` +
      'ORDER BY time DESC LIMIT 1'
    );
  }

  /** Stored fixes strictly after `after` (by point time: ms, then seq), oldest first. */
  private afterStatement(deviceId: string, after: JudgedFix, limit: number): string {
    return (
      `SELECT ${quoteIdent('seq')}, ${FIX_COLUMNS} FROM ${sourceRef(this.raw)} ` +
      `WHERE ${deviceFilter(deviceId)} AND ${quoteIdent(FLAG_FIELD)} >= 0 ` +
      `AND time > ${pointTimeNs(after.ts, after.seq)} ORDER BY time ASC LIMIT ${limit}`
    );
  }
}

/** Rows of a fix query (time, lat, lon[, seq], pos_flag) as fixes; `seq` -1 when not asked. */
function fixesOf(answer: readonly InfluxSeries[] | undefined): JudgedFix[] {
  const out: JudgedFix[] = [];
  for (const s of answer ?? []) {
    const col = (name: string) => s.columns.indexOf(name);
    const [t, lat, lon, seq, flag] = [
      col('time'),
      col('lat'),
      col('lon'),
      col('seq'),
      col(FLAG_FIELD),
    ];
    for (const row of s.values) {
      const v = [row[t], row[lat], row[lon]];
      if (!v.every((x) => typeof x === 'number')) continue;
      out.push({
        ts: v[0] as number,
        seq: seq >= 0 ? Number(row[seq]) : -1,
        lat: v[1] as number,
        lon: v[2] as number,
        flag: flagOfCode(row[flag]),
      });
    }
  }
  return out;
}

/** Stored fixes of a page, without the batch's own readings (a failed write's points may be there). */
function storedOf(
  answer: readonly InfluxSeries[] | undefined,
  own: ReadonlySet<number>,
): JudgedFix[] {
  return fixesOf(answer).filter((f) => !own.has(f.seq));
}
