// A device's latest values on InfluxDB: last() per signal field (each with its own time), the position keys from the newest valid fix, all in one request.
import type { SignalCatalog, SignalValue } from '../signals/catalog.js';
import type { InfluxSeries } from './influx-http.js';
import { FLAG_FIELD } from './influx-points.js';
import { deviceFilter, quoteIdent, type SeriesSource, sourceRef } from './influxql.js';
import { FLAG_VALID, type LatestReading } from './types.js';

/**
 * Statements, in order: the newest point's seq (`last("seq")`: its time is the point's), one
 * `last()` per signal outside the position group (a selector alone answers its own point's time;
 * several in one statement would answer time 0), and the newest valid fix's position keys. Each
 * reads one field's newest block, not the device's points (the fix: the position fields only,
 * never `seq`, so a speed-only device has nothing to scan).
 */
export function latestStatements(
  deviceId: string,
  raw: SeriesSource,
  catalog: SignalCatalog,
): string[] {
  const from = `FROM ${sourceRef(raw)} WHERE ${deviceFilter(deviceId)}`;
  const out = [`SELECT last("seq") ${from}`];
  for (const s of catalog.topLevel) out.push(`SELECT last(${quoteIdent(s.key)}) ${from}`);
  const position = catalog.position.map((s) => quoteIdent(s.key)).join(', ');
  out.push(
    `SELECT ${position} ${from} AND ${quoteIdent(FLAG_FIELD)} = ${FLAG_VALID} ORDER BY time DESC LIMIT 1`,
  );
  return out;
}

function firstRow(answer: readonly InfluxSeries[] | undefined) {
  const s = answer?.[0];
  const row = s?.values[0];
  return s && row ? { columns: s.columns, row } : undefined;
}

const isValue = (v: unknown): v is SignalValue => typeof v === 'number' || typeof v === 'boolean';

/** The answers of latestStatements() as a LatestReading (undefined: the device has no reading). */
export function decodeLatest(
  deviceId: string,
  catalog: SignalCatalog,
  answers: ReadonlyArray<readonly InfluxSeries[]>,
): LatestReading | undefined {
  const newest = firstRow(answers[0]);
  if (!newest) return undefined;
  const at = (r: { columns: string[]; row: unknown[] }, column: string) =>
    r.row[r.columns.indexOf(column)];
  const signals: LatestReading['signals'] = {};
  catalog.topLevel.forEach((s, i) => {
    const r = firstRow(answers[1 + i]);
    const value = r && at(r, 'last');
    const time = r && at(r, 'time');
    if (isValue(value) && typeof time === 'number') signals[s.key] = { value, time };
  });
  const fix = firstRow(answers[1 + catalog.topLevel.length]);
  const fixTime = fix && at(fix, 'time');
  if (fix && typeof fixTime === 'number') {
    for (const s of catalog.position) {
      const value = at(fix, s.key);
      if (isValue(value)) signals[s.key] = { value, time: fixTime };
    }
  }
  return {
    deviceId,
    seq: Number(at(newest, 'last')),
    timestamp: Number(at(newest, 'time')),
    signals,
  };
}
