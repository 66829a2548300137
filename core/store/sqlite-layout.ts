// The SQLite store's columns, derived from the signal catalog: a column per signal in readings, four per signal in each rollup table, the latest value and time of each in devices.
import type { PositionFlag, SignalCatalog, SignalDef, SignalValue } from '../signals/catalog.js';
import { FLAG_CODES, FLAG_NONE, FLAG_VALID } from './types.js';

/** SQL type of a signal's raw column: booleans are 0/1 integers. */
export const sqlType = (def: SignalDef): string => (def.type === 'boolean' ? 'INTEGER' : 'REAL');

/** Rollup columns of one signal: count and sum start at 0 (no value yet), min and max at NULL. */
export const rollupColumns = (key: string) =>
  [`${key}_n`, `${key}_sum`, `${key}_min`, `${key}_max`] as const;

export function rollupColumnDefs(key: string): string[] {
  const [n, sum, min, max] = rollupColumns(key);
  return [
    `${n} INTEGER NOT NULL DEFAULT 0`,
    `${sum} REAL NOT NULL DEFAULT 0`,
    `${min} REAL`,
    `${max} REAL`,
  ];
}

/** Latest value of a signal in `devices` (prefixed: a custom signal may not clash with its columns). */
export const latestValueColumn = (key: string) => `v_${key}`;
export const latestTimeColumn = (key: string) => `t_${key}`;

/** Stored position flag: NULL no position, 0 valid, 1 zero_fix, 2 jump. */
export function flagCode(hasPosition: boolean, flag: PositionFlag | undefined): number | null {
  if (!hasPosition) return null;
  return flag === undefined ? FLAG_VALID : FLAG_CODES[flag];
}

export function flagOfCode(code: number | null): PositionFlag | undefined {
  if (code === FLAG_CODES.zero_fix) return 'zero_fix';
  if (code === FLAG_CODES.jump) return 'jump';
  return undefined;
}

export function columnFlag(code: number | null): number {
  return code === null ? FLAG_NONE : code;
}

/** A value as SQLite stores it (booleans 0/1), or null when absent. */
export function toSql(v: SignalValue | undefined): number | null {
  if (v === undefined) return null;
  if (typeof v === 'boolean') return v ? 1 : 0;
  return v;
}

/** A stored value back as the catalog types it. */
export function fromSql(def: SignalDef, v: unknown): SignalValue | undefined {
  if (v === null || v === undefined) return undefined;
  if (def.type === 'boolean') return v === 1 || v === 1n;
  return Number(v);
}

/** The catalog's signals the file has columns for (a reader may run ahead of the writer's upgrade). */
export function presentSignals(catalog: SignalCatalog, columns: ReadonlySet<string>): SignalDef[] {
  return catalog.signals.filter((s) => columns.has(s.key));
}

/**
 * Page cache of each writing connection (readings, geo), KiB. SQLite's default (2 MiB, ~500 pages)
 * is smaller than what one batch of a 1,000-vehicle fleet dirties (each vehicle's readings, index,
 * rollup, trip, track and day pages): past it SQLite spills dirty pages into the WAL before the
 * commit and reads them back for the next batch.
 */
export const WRITER_CACHE_KIB = 16_384;
