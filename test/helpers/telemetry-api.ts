// Telemetry through the data API: known vehicles (every built-in signal, flagged fixes, custom signals), what each route must answer for them, and the whole round trip checked (JSON, CSV, NDJSON, latest, history, re-import).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { expect } from 'vitest';
import { createCollector } from '../../collector/create-collector.js';
import type { ConfigOverrides } from '../../core/config.js';
import {
  encodeReading,
  encodeTelemetry,
  hasPosition,
  type Reading,
  speedTopic,
  telemetryTopic,
  toPayload,
} from '../../core/contract.js';
import type { LatestBody, SignalHistoryBody } from '../../core/dashboard-contract.js';
import { silentLogger } from '../../core/log.js';
import type { SignalCatalog } from '../../core/signals/catalog.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import { EARLIEST_MS, LATEST_MS, type RawReading } from '../../core/store/types.js';
import { latestOf } from '../../dashboard/routes/devices.js';
import type { MosquittoProcess } from '../../harness/mosquitto.js';
import { waitFor } from '../../harness/wait.js';
import { getJson, testDashboard } from '../dashboard/helpers.js';
import { jsonSummary, runScript } from '../scripts/run-script.js';
import { send } from '../security/dashboard-http.js';
import { testConfig } from './pipeline.js';
import { aggregateOf, fullReading } from './telemetry.js';

/** The seed sensor stacks' signals, and a boolean one. */
export const SIGNALS_YAML = `signals:
  - {name: temperature_c, type: number, unit: "°C", min: -60, max: 120, description: Cabin temperature}
  - {name: humidity_pct, type: number, unit: "%", min: 0, max: 100}
  - {name: door_open, type: boolean}
`;

export function writeSignalsFile(dir: string): string {
  const path = join(dir, 'signals.yaml');
  writeFileSync(path, SIGNALS_YAML);
  return path;
}

/** Seqs of the truck whose fix is flagged: a (0, 0) fix, and one 1° north of the track (a jump). */
export const ZERO_FIX_SEQ = 10;
export const JUMP_SEQ = 20;

/** `n` full readings at 1 Hz ending at `end`, every built-in signal; two fixes flagged. */
export function truckReadings(deviceId: string, n: number, end: number): Reading[] {
  return Array.from({ length: n }, (_, seq) => {
    const r = fullReading(deviceId, seq, end - (n - 1 - seq) * 1000);
    if (seq === ZERO_FIX_SEQ) {
      r.values.lat = 0;
      r.values.lon = 0;
      r.position_flag = 'zero_fix';
    }
    if (seq === JUMP_SEQ) {
      r.values.lat = (r.values.lat as number) + 1;
      r.position_flag = 'jump';
    }
    return r;
  });
}

/** `n` readings of the custom signals alone (as a sensor stack sends them), every 2 s. */
export function sensorReadings(deviceId: string, n: number, end: number): Reading[] {
  return Array.from({ length: n }, (_, seq) => ({
    device_id: deviceId,
    seq,
    timestamp: new Date(end - (n - 1 - seq) * 2000).toISOString(),
    values: {
      temperature_c: -5 + seq * 0.37,
      humidity_pct: 40 + (seq % 17) * 1.5,
      door_open: seq % 3 === 0,
    },
  }));
}

const iso = (ms: number) => new Date(ms).toISOString();
const byTime = (a: Reading, b: Reading) =>
  Date.parse(a.timestamp) - Date.parse(b.timestamp) || a.seq - b.seq;

/** A JSON row of the readings route for `keys` (catalog order; `position`: flags too). */
export function expectedRow(
  r: Reading,
  catalog: SignalCatalog,
  keys: readonly string[] = catalog.keys,
): Record<string, unknown> {
  const row: Record<string, unknown> = { seq: r.seq, timestamp: r.timestamp };
  for (const k of keys) if (r.values[k] !== undefined) row[k] = r.values[k];
  const position = keys.some((k) => catalog.find(k)?.group === 'position');
  if (position && hasPosition(r)) {
    row.position_valid = r.position_flag === undefined;
    row.position_flag = r.position_flag ?? null;
  }
  return row;
}

export function expectedCsv(readings: readonly Reading[], header: readonly string[]): string {
  const lines = [...readings].sort(byTime).map((r) =>
    header
      .map((c) => {
        if (c === 'device_id') return r.device_id;
        if (c === 'seq') return String(r.seq);
        if (c === 'timestamp') return r.timestamp;
        if (c === 'position_valid') return hasPosition(r) ? String(!r.position_flag) : '';
        if (c === 'position_flag') return r.position_flag ?? '';
        const v = r.values[c];
        return v === undefined ? '' : String(v);
      })
      .join(','),
  );
  return `${[header.join(','), ...lines].join('\n')}\n`;
}

/** What /latest answers: every signal's newest value, the newest valid fix. */
export function expectedLatest(readings: readonly Reading[], catalog: SignalCatalog): LatestBody {
  const sorted = [...readings].sort(byTime);
  const newest = sorted.at(-1) as Reading;
  const signals: LatestBody['signals'] = {};
  for (const r of sorted) {
    for (const def of catalog.topLevel) {
      const v = r.values[def.key];
      if (v !== undefined) signals[def.key] = { value: v, timestamp: r.timestamp };
    }
  }
  const fix = sorted.filter((r) => hasPosition(r) && r.position_flag === undefined).at(-1);
  let position: LatestBody['position'] = null;
  if (fix) {
    const p: Record<string, number | string> = {};
    for (const def of catalog.position) {
      const v = fix.values[def.key];
      if (typeof v === 'number') p[def.key] = v;
    }
    position = { ...(p as { lat: number; lon: number }), timestamp: fix.timestamp };
  }
  const speed = signals.speed?.value;
  return {
    device_id: newest.device_id,
    speed: typeof speed === 'number' ? speed : null,
    timestamp: newest.timestamp,
    seq: newest.seq,
    signals,
    position,
  };
}

/** Raw readings as a store answers them, for comparing a store's content. */
export function expectedRaw(readings: readonly Reading[]): RawReading[] {
  return [...readings].sort(byTime).map((r) => ({
    seq: r.seq,
    timestamp: Date.parse(r.timestamp),
    values: r.values,
    ...(r.position_flag ? { position_flag: r.position_flag } : {}),
  }));
}

async function text(base: string, path: string): Promise<string> {
  const res = await send(base, path);
  expect(res.status, res.text.slice(0, 200)).toBe(200);
  return res.text;
}

/** Every page of the readings route (limit 10000). */
export async function readingRows(base: string, path: string): Promise<unknown[]> {
  const rows: unknown[] = [];
  let next: string | null = `${path}${path.includes('?') ? '&' : '?'}limit=10000`;
  while (next !== null) {
    const res = await getJson(base, next);
    expect(res.status, JSON.stringify(res.body).slice(0, 300)).toBe(200);
    const body = res.body as { readings: unknown[]; next_cursor: string | null };
    rows.push(...body.readings);
    next = body.next_cursor === null ? null : `${path.split('?')[0]}?cursor=${body.next_cursor}`;
  }
  return rows;
}

/** History of every signal the readings have, checked window by window against raw aggregates. */
async function expectHistory(
  base: string,
  catalog: SignalCatalog,
  readings: readonly Reading[],
): Promise<void> {
  const id = (readings[0] as Reading).device_id;
  const times = readings.map((r) => Date.parse(r.timestamp));
  const from = Math.min(...times);
  const to = Math.max(...times);
  for (const def of catalog.signals) {
    const have = readings.filter((r) => r.values[def.key] !== undefined).length;
    if (have === 0) continue;
    const path = `/api/devices/${id}/history?signal=${def.name}&from=${iso(from)}&to=${iso(to)}&points=20`;
    const res = await getJson(base, path);
    expect(res.status, path).toBe(200);
    const body = res.body as SignalHistoryBody;
    expect(body.signal).toBe(def.name);
    let total = 0;
    for (const p of body.data_points) {
      const start = Date.parse(p.timestamp);
      const want = aggregateOf(readings, def.key, start, start + body.window_ms - 1);
      expect([p.count, p.min, p.max], `${def.name} at ${p.timestamp}`).toEqual([
        want.count,
        want.min,
        want.max,
      ]);
      expect(p.mean).toBeCloseTo(want.sum / want.count, 9);
      total += p.count;
    }
    expect(total, def.name).toBe(have);
  }
}

/** Imports an export into a fresh SQLite file with the same catalog and answers its raw readings. */
async function reimported(
  dir: string,
  name: string,
  body: string,
  signalsFile: string,
  catalog: SignalCatalog,
  deviceId: string,
): Promise<{ raw: RawReading[]; latest: LatestBody | undefined }> {
  const file = join(dir, name);
  writeFileSync(file, body);
  const db = join(dir, `${name}.db`);
  const run = await runScript('import', [file, '--json'], {
    SQLITE_PATH: db,
    SIGNALS_FILE: signalsFile,
  });
  expect(run.code, run.stderr).toBe(0);
  expect(jsonSummary(run)).toMatchObject({ rejected: 0, invalid_signals: {}, unknown_signals: {} });
  const store = new SqliteStore({ path: db, catalog, readonly: true });
  await store.start();
  try {
    const raw = await store.readings({
      deviceId,
      from: EARLIEST_MS,
      to: LATEST_MS,
      order: 'asc',
      limit: 100_000,
    });
    const latest = await store.latest(deviceId);
    return { raw, latest: latest && latestOf(latest, catalog) };
  } finally {
    await store.stop();
  }
}

export interface RoundTrip {
  base: string;
  catalog: SignalCatalog;
  /** Where exports are written and imported again. */
  dir: string;
  signalsFile: string;
}

/**
 * One vehicle's readings, as stored, through every route: JSON rows (all signals and a selection),
 * CSV and NDJSON exports, latest, history of each signal; both exports imported again into a fresh
 * store hold the same readings.
 */
export async function expectRoundTrip(t: RoundTrip, readings: readonly Reading[]): Promise<void> {
  const { base, catalog } = t;
  const id = (readings[0] as Reading).device_id;
  const sorted = [...readings].sort(byTime);
  const path = `/api/devices/${id}/readings`;

  expect(await readingRows(base, path)).toEqual(sorted.map((r) => expectedRow(r, catalog)));
  const some = ['speed', 'lat', 'lon', 'alt', 'acc', 'heading', 'fuel_pct', 'door_open'];
  expect(await readingRows(base, `${path}?signals=speed,position,fuel_pct,door_open`)).toEqual(
    sorted.map((r) => expectedRow(r, catalog, some)),
  );

  const csv = await text(base, `${path}?format=csv`);
  expect(csv).toBe(expectedCsv(sorted, catalog.csvColumns()));
  const ndjson = await text(base, `${path}?format=ndjson`);
  expect(
    ndjson
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l)),
  ).toEqual(sorted.map((r) => toPayload(r)));

  const latest = await getJson(base, `/api/devices/${id}/latest`);
  expect(latest.status).toBe(200);
  expect(latest.body).toEqual(expectedLatest(readings, catalog));

  await expectHistory(base, catalog, readings);

  for (const [name, body] of [
    [`${id}.csv`, csv],
    [`${id}.ndjson`, ndjson],
  ] as const) {
    const again = await reimported(t.dir, name, body, t.signalsFile, catalog, id);
    expect(again.raw, name).toEqual(expectedRaw(readings));
    expect(again.latest, name).toEqual(expectedLatest(readings, catalog));
  }
}

/** A vehicle on the wire: its readings published at QoS 1 on vehicles/{id}/telemetry, each PUBACKed. */
export async function publishTelemetry(port: number, readings: readonly Reading[]): Promise<void> {
  const first = readings[0];
  if (!first) return;
  const device = await mqtt.connectAsync({
    host: '127.0.0.1',
    port,
    clientId: `device-${first.device_id}-${process.pid}`,
    clean: true,
  });
  try {
    for (const r of readings) {
      await device.publishAsync(telemetryTopic(r.device_id), encodeTelemetry(r), { qos: 1 });
    }
  } finally {
    await device.endAsync();
  }
}

/** Waits until the readings route serves `count` readings of the device. */
export async function waitForServed(base: string, deviceId: string, count: number): Promise<void> {
  await waitFor(
    async () => {
      const res = await getJson(
        base,
        `/api/devices/${deviceId}/readings?signals=speed&limit=10000`,
      );
      return res.status === 200 ? (res.body as { readings: unknown[] }).readings.length : 0;
    },
    (n) => n >= count,
    { timeoutMs: 60_000, what: `${count} readings of ${deviceId} served` },
  );
}

/** A speed-only vehicle as before signals: `vehicles/{id}/speed` payloads. */
export async function publishSpeed(port: number, readings: readonly Reading[]): Promise<void> {
  const first = readings[0];
  if (!first) return;
  const device = await mqtt.connectAsync({
    host: '127.0.0.1',
    port,
    clientId: `device-${first.device_id}-${process.pid}`,
    clean: true,
  });
  try {
    for (const r of readings) {
      const payload = encodeReading({ ...r, speed: r.values.speed as number });
      await device.publishAsync(speedTopic(r.device_id), payload, { qos: 1 });
    }
  } finally {
    await device.endAsync();
  }
}

/** `n` speed-only readings at 1 Hz ending at `end`. */
export function speedReadings(deviceId: string, n: number, end: number): Reading[] {
  return Array.from({ length: n }, (_, seq) => ({
    device_id: deviceId,
    seq,
    timestamp: new Date(end - (n - 1 - seq) * 1000).toISOString(),
    values: { speed: ((seq * 37) % 1200) / 10 },
  }));
}

/**
 * device → Mosquitto → collector → store (the configured one, SIGNALS_FILE with custom signals)
 * → dashboard: a truck sending every built-in signal, a sensor stack sending custom ones, and a
 * speed-only vehicle on the speed topic, each checked through every route (expectRoundTrip), and
 * the speed-only vehicle's answers in their original shapes.
 */
export async function telemetryPipeline(
  dir: string,
  broker: MosquittoProcess,
  overrides: ConfigOverrides = {},
): Promise<void> {
  const signalsFile = writeSignalsFile(dir);
  const config = testConfig(dir, broker.port, { SIGNALS_FILE: signalsFile, ...overrides });
  const collector = createCollector(config, silentLogger());
  const dashboard = testDashboard(config);
  const end = Date.now() - 10 * 60_000;
  const truck = truckReadings('truck_01', 120, end);
  const sensor = sensorReadings('sensor_01', 60, end);
  const legacy = speedReadings('vehicle_01', 90, end);
  try {
    await collector.start();
    await collector.subscribed;
    await dashboard.start();
    await dashboard.subscribed;
    const base = `http://127.0.0.1:${dashboard.port}`;
    await Promise.all([
      publishTelemetry(broker.port, truck),
      publishTelemetry(broker.port, sensor),
      publishSpeed(broker.port, legacy),
    ]);
    await waitForServed(base, 'truck_01', truck.length);
    await waitForServed(base, 'sensor_01', sensor.length);
    await waitForServed(base, 'vehicle_01', legacy.length);
    const t: RoundTrip = { base, catalog: config.signals, dir, signalsFile };
    await expectRoundTrip(t, truck);
    await expectRoundTrip(t, sensor);
    await expectRoundTrip(t, legacy);
    await expectSpeedShapes(base, legacy);
  } finally {
    await dashboard.stop();
    await collector.stop();
  }
}

/** A speed-only vehicle's rows, latest and history keep the keys they had before signals. */
export async function expectSpeedShapes(base: string, readings: readonly Reading[]): Promise<void> {
  const id = (readings[0] as Reading).device_id;
  const rows = (await readingRows(base, `/api/devices/${id}/readings`)) as object[];
  expect(rows.every((r) => Object.keys(r).join() === 'seq,timestamp,speed')).toBe(true);
  const latest = (await getJson(base, `/api/devices/${id}/latest`)).body as Record<string, unknown>;
  const last = readings.at(-1) as Reading;
  expect(latest).toMatchObject({
    device_id: id,
    speed: last.values.speed,
    timestamp: last.timestamp,
    seq: last.seq,
  });
  const times = readings.map((r) => Date.parse(r.timestamp));
  const range = `from=${iso(Math.min(...times))}&to=${iso(Math.max(...times))}&points=10`;
  const history = (await getJson(base, `/api/devices/${id}/history?${range}`)).body as {
    data_points: Array<Record<string, number>>;
  };
  expect(history.data_points.length).toBeGreaterThan(2);
  for (const p of history.data_points) {
    expect(Object.keys(p)).toEqual(['timestamp', 'speed', 'min', 'max', 'count']);
  }
  expect(history.data_points.reduce((n, p) => n + (p.count ?? 0), 0)).toBe(readings.length);
}
