// The SQLite store's write transaction: new readings (by coverage) with every signal, their positions judged, rollups per signal, and each device's coverage and latest values.
import type Database from 'better-sqlite3';
import { type DroppedNotice, hasPosition, type Reading } from '../contract.js';
import type { SignalCatalog, SignalDef, SignalValue } from '../signals/catalog.js';
import type { Fix } from '../signals/position-judge.js';
import { AGG_SLOTS, aggregateSignals, ROLLUP_TIERS } from './rollup.js';
import { type Coverage, decodeAbove, emptyCoverage, encodeAbove } from './seq-coverage.js';
import {
  flagCode,
  fromSql,
  latestTimeColumn,
  latestValueColumn,
  rollupColumns,
  toSql,
} from './sqlite-layout.js';
import {
  type FixState,
  judgeDeviceFixes,
  type PositionStatements,
  preparePositions,
} from './sqlite-positions.js';
import type { Reflag, TimedValue, WriteResult } from './types.js';
import { planWrite, writeResult } from './write-plan.js';

const ROWS_PER_INSERT = 100;

type Row = Record<string, unknown>;

/** A device as the write needs it: coverage, fix state and latest values (from its row). */
interface DeviceState {
  coverage: Coverage;
  fix: FixState;
  latest: Map<string, TimedValue>;
}

/** Indexes of `readings`, grouped by device in order of first appearance, batch order within. */
function byDevice(readings: readonly Reading[]): number[] {
  const groups = new Map<string, number[]>();
  readings.forEach((r, i) => {
    const group = groups.get(r.device_id);
    if (group) group.push(i);
    else groups.set(r.device_id, [i]);
  });
  return groups.size === 1 ? readings.map((_, i) => i) : [...groups.values()].flat();
}

export class SqliteWriter {
  private readonly signals: readonly SignalDef[];
  private readonly keys: readonly string[];
  private readonly inserts = new Map<number, Database.Statement<unknown[]>>();
  private readonly deviceRow: Database.Statement<[string], Row>;
  private readonly saveDevice: Database.Statement<unknown[]>;
  private readonly upserts: Record<'1m' | '1h', Database.Statement<unknown[]>>;
  private readonly latestFix: Database.Statement<[string], Row>;
  private readonly positions: PositionStatements;

  constructor(
    private readonly db: Database.Database,
    catalog: SignalCatalog,
  ) {
    this.signals = catalog.signals;
    this.keys = catalog.keys;
    const latestCols = this.signals.flatMap((s) => [
      latestValueColumn(s.key),
      latestTimeColumn(s.key),
    ]);
    this.deviceRow = db.prepare(
      `SELECT watermark, last_seq, above, fix_ts, ${latestCols.join(', ')} FROM devices WHERE device_id = ?`,
    );
    const cols = [
      'device_id',
      'last_ts',
      'last_seq',
      'watermark',
      'above',
      'fix_ts',
      ...latestCols,
    ];
    this.saveDevice = db.prepare(
      `INSERT INTO devices (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})
       ON CONFLICT (device_id) DO UPDATE SET last_ts = max(last_ts, excluded.last_ts),
         ${cols
           .slice(2)
           .map((c) => `${c} = excluded.${c}`)
           .join(', ')}`,
    );
    const upsert = (table: string) => {
      const names = this.keys.flatMap((k) => [...rollupColumns(k)]);
      const sets = this.keys.flatMap((k) => {
        const [n, sum, min, max] = rollupColumns(k);
        return [
          `${n} = ${n} + excluded.${n}`,
          `${sum} = ${sum} + excluded.${sum}`,
          `${min} = coalesce(min(${min}, excluded.${min}), ${min}, excluded.${min})`,
          `${max} = coalesce(max(${max}, excluded.${max}), ${max}, excluded.${max})`,
        ];
      });
      return db.prepare<unknown[]>(
        `INSERT INTO ${table} (device_id, bucket, ${names.join(', ')})
         VALUES (${['?', '?', ...names.map(() => '?')].join(', ')})
         ON CONFLICT (device_id, bucket) DO UPDATE SET ${sets.join(', ')}`,
      );
    };
    this.upserts = { '1m': upsert('rollup_1m'), '1h': upsert('rollup_1h') };
    this.latestFix = db.prepare(
      `SELECT ts, seq, lat, lon, alt, acc, heading FROM readings
       WHERE device_id = ? AND pos_flag = 0 ORDER BY ts DESC, seq DESC LIMIT 1`,
    );
    this.positions = preparePositions(db);
  }

  private load(deviceId: string): DeviceState {
    const row = this.deviceRow.get(deviceId);
    if (!row) {
      return {
        coverage: emptyCoverage(),
        fix: { newestFixTs: undefined, latestValid: undefined },
        latest: new Map(),
      };
    }
    const latest = new Map<string, TimedValue>();
    for (const s of this.signals) {
      const time = row[latestTimeColumn(s.key)];
      const value = fromSql(s, row[latestValueColumn(s.key)]);
      if (typeof time === 'number' && value !== undefined) latest.set(s.key, { value, time });
    }
    const lat = latest.get('lat');
    const lon = latest.get('lon');
    return {
      coverage: {
        watermark: row.watermark as number,
        highest: row.last_seq as number,
        above: decodeAbove(row.above as string | null),
      },
      fix: {
        newestFixTs: typeof row.fix_ts === 'number' ? row.fix_ts : undefined,
        latestValid:
          lat && lon
            ? { ts: lat.time, seq: -1, lat: lat.value as number, lon: lon.value as number }
            : undefined,
      },
      latest,
    };
  }

  /** Runs inside the caller's IMMEDIATE transaction. */
  write(
    readings: readonly Reading[],
    dropped: readonly DroppedNotice[],
    times?: readonly number[],
  ): WriteResult {
    const states = new Map<string, DeviceState>();
    const plan = planWrite(
      readings,
      dropped,
      (id) => {
        const state = this.load(id);
        states.set(id, state);
        return state.coverage;
      },
      times,
    );
    const { fresh, freshTimes } = plan;
    const order = byDevice(fresh);
    const { reflagged, late } = this.judge(fresh, freshTimes, order, states);
    this.insert(fresh, freshTimes, order);
    for (const r of reflagged) {
      this.positions.reflag.run(flagCode(true, r.flag), r.deviceId, r.seq);
    }
    this.rollups(fresh, freshTimes);
    this.saveDevices(plan.coverages, plan.newestTime, states, fresh, freshTimes, late);
    const result = writeResult(plan);
    result.reflagged = reflagged;
    return result;
  }

  private judge(
    fresh: readonly Reading[],
    times: readonly number[],
    order: readonly number[],
    states: Map<string, DeviceState>,
  ): { reflagged: Reflag[]; late: Set<string> } {
    const perDevice = new Map<string, Array<{ reading: Reading; ts: number }>>();
    for (const i of order) {
      const r = fresh[i] as Reading;
      if (!hasPosition(r)) continue;
      let list = perDevice.get(r.device_id);
      if (!list) {
        list = [];
        perDevice.set(r.device_id, list);
      }
      list.push({ reading: r, ts: times[i] as number });
    }
    const reflagged: Reflag[] = [];
    const late = new Set<string>();
    for (const [id, fixes] of perDevice) {
      const state = states.get(id) as DeviceState;
      const judged = judgeDeviceFixes(this.positions, id, state.fix, fixes);
      if (judged.late) late.add(id);
      reflagged.push(...judged.reflagged);
    }
    return { reflagged, late };
  }

  private insert(
    fresh: readonly Reading[],
    times: readonly number[],
    order: readonly number[],
  ): void {
    const width = 3 + this.keys.length + 1;
    // Rows go in grouped by device (stable): runs of consecutive keys in both b-trees instead of
    // one device after another on every row of an interleaved batch.
    // Multi-row INSERTs: one native call per ROWS_PER_INSERT readings instead of one per reading,
    // each with its own parameter array (no copy out of one array for the whole batch).
    // OR IGNORE only guards against rows a pre-coverage store might hold; coverage decides.
    for (let start = 0; start < order.length; start += ROWS_PER_INSERT) {
      const rows = Math.min(ROWS_PER_INSERT, order.length - start);
      const values: unknown[] = new Array(rows * width);
      let o = 0;
      for (let n = start; n < start + rows; n++) {
        const i = order[n] as number;
        const r = fresh[i] as Reading;
        values[o++] = r.device_id;
        values[o++] = r.seq;
        values[o++] = times[i];
        for (const k of this.keys) values[o++] = toSql(r.values[k]);
        values[o++] = flagCode(hasPosition(r), r.position_flag);
      }
      this.insertStatement(rows, width).run(values);
    }
  }

  private insertStatement(rows: number, width: number): Database.Statement<unknown[]> {
    let stmt = this.inserts.get(rows);
    if (!stmt) {
      const tuple = `(${new Array(width).fill('?').join(', ')})`;
      stmt = this.db.prepare(
        `INSERT OR IGNORE INTO readings (device_id, seq, ts, ${this.keys.join(', ')}, pos_flag)
         VALUES ${new Array(rows).fill(tuple).join(', ')}`,
      );
      this.inserts.set(rows, stmt);
    }
    return stmt;
  }

  private rollups(fresh: readonly Reading[], times: readonly number[]): void {
    if (fresh.length === 0) return;
    const params: unknown[] = new Array(2 + this.keys.length * AGG_SLOTS);
    for (const tier of ROLLUP_TIERS) {
      const upsert = this.upserts[tier.name];
      for (const b of aggregateSignals(fresh, times, this.keys, tier.bucketMs)) {
        params[0] = b.deviceId;
        params[1] = b.bucket;
        for (let k = 0; k < this.keys.length; k++) {
          const o = k * AGG_SLOTS;
          const n = b.aggs[o] as number;
          params[2 + o] = n;
          params[3 + o] = b.aggs[o + 1];
          params[4 + o] = n === 0 ? null : b.aggs[o + 2];
          params[5 + o] = n === 0 ? null : b.aggs[o + 3];
        }
        upsert.run(params);
      }
    }
  }

  private saveDevices(
    coverages: Map<string, Coverage>,
    newestTime: Map<string, number>,
    states: Map<string, DeviceState>,
    fresh: readonly Reading[],
    times: readonly number[],
    late: ReadonlySet<string>,
  ): void {
    // Latest values: per signal the newest by device time (position keys: the newest valid fix).
    // The batch's newest reading of each signal is found first (ties: the later in the batch), so
    // a device's latest values cost one TimedValue per signal and batch, not one per reading.
    const newest = new Map<string, Int32Array>();
    const position = this.signals.length;
    for (let i = 0; i < fresh.length; i++) {
      const r = fresh[i] as Reading;
      const time = times[i] as number;
      let best = newest.get(r.device_id);
      if (!best) {
        best = new Int32Array(position + 1).fill(-1);
        newest.set(r.device_id, best);
      }
      const positioned = hasPosition(r);
      if (positioned) {
        const f = (states.get(r.device_id) as DeviceState).fix;
        if (f.newestFixTs === undefined || time > f.newestFixTs) f.newestFixTs = time;
      }
      for (let k = 0; k < position; k++) {
        const s = this.signals[k] as SignalDef;
        if (s.group === 'position' || r.values[s.key] === undefined) continue;
        const b = best[k] as number;
        if (b < 0 || time >= (times[b] as number)) best[k] = i;
      }
      if (positioned && r.position_flag === undefined) {
        const b = best[position] as number;
        if (b < 0 || time >= (times[b] as number)) best[position] = i;
      }
    }
    for (const [id, best] of newest) {
      const state = states.get(id) as DeviceState;
      for (let k = 0; k < position; k++) {
        const b = best[k] as number;
        if (b < 0) continue;
        const s = this.signals[k] as SignalDef;
        const time = times[b] as number;
        const had = state.latest.get(s.key);
        if (!had || time >= had.time) {
          state.latest.set(s.key, {
            value: (fresh[b] as Reading).values[s.key] as SignalValue,
            time,
          });
        }
      }
      const b = best[position] as number;
      if (b >= 0) {
        const time = times[b] as number;
        const had = state.latest.get('lat');
        if (!had || time >= had.time) this.setPosition(state, (fresh[b] as Reading).values, time);
      }
    }
    // Late fixes may have changed which stored fix is the newest valid one: read it from the rows.
    for (const id of late) this.rereadFix(id, states.get(id) as DeviceState);
    for (const [id, c] of coverages) {
      const state = states.get(id) as DeviceState;
      const row: unknown[] = [
        id,
        newestTime.get(id) ?? Number.MIN_SAFE_INTEGER,
        c.highest,
        c.watermark,
        encodeAbove(c.above),
        state.fix.newestFixTs ?? null,
      ];
      for (const s of this.signals) {
        const latest = state.latest.get(s.key);
        row.push(latest ? toSql(latest.value) : null, latest ? latest.time : null);
      }
      this.saveDevice.run(row);
    }
  }

  private setPosition(state: DeviceState, values: Reading['values'], time: number): void {
    for (const s of this.signals) {
      if (s.group !== 'position') continue;
      const v = values[s.key];
      if (v === undefined) state.latest.delete(s.key);
      else state.latest.set(s.key, { value: v, time });
    }
  }

  /** After late fixes: the newest valid fix, read from the rows. */
  private rereadFix(deviceId: string, state: DeviceState): void {
    const row = this.latestFix.get(deviceId);
    if (!row) {
      for (const s of this.signals) if (s.group === 'position') state.latest.delete(s.key);
      state.fix.latestValid = undefined;
      return;
    }
    const values: Reading['values'] = {};
    for (const s of this.signals) {
      if (s.group !== 'position') continue;
      const v = fromSql(s, row[s.key]);
      if (v !== undefined) values[s.key] = v;
    }
    this.setPosition(state, values, row.ts as number);
    state.fix.latestValid = {
      ts: row.ts as number,
      seq: row.seq as number,
      lat: row.lat as number,
      lon: row.lon as number,
    } satisfies Fix;
  }
}
