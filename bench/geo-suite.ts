// `--only geo`: the summary report over 1,000 vehicles x 30 days, a month's /track at 1 Hz, and ingest with trips, 100 geofences and behaviour vs without.
import { mkdirSync, rmSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { Reading } from '../core/contract.js';
import type { GeoChange, TrackBucket } from '../core/store/geo-store.js';
import { SqliteGeoStore } from '../core/store/sqlite-geo-store.js';
import { SqliteStore } from '../core/store/sqlite-store.js';
import { encodeGeofenceSnapshot } from '../geofences/snapshot.js';
import { freePort, waitForPort } from '../harness/ports.js';
import { ProgramProcess } from '../harness/program.js';
import { initialTierState, TrackTier } from '../tracking/track-tier.js';
import { drive, hundredZones, readingOfDrive, writeTelemetryLoad } from './geo-load.js';
import { BENCH_BROKER, collectorRun, SqliteProgress } from './ingest.js';
import { median } from './stats.js';

const DAY = 86_400_000;

export interface GeoBenchOptions {
  repeat: number;
  quick: boolean;
  say: (line: string) => void;
}

const load1 = () => loadavg()[0] ?? 0;

/** A dashboard process on a store file (no broker needed: these routes read the store). */
async function dashboardOn(
  dir: string,
  sqlitePath: string,
): Promise<{ base: string; stop: () => Promise<void> }> {
  const port = await freePort();
  const dashboard = new ProgramProcess('dashboard/main.ts', [], {
    SQLITE_PATH: sqlitePath,
    AUTH_MODE: 'none',
    DASHBOARD_STATE_PATH: join(dir, 'dashboard-state.db'),
    DASHBOARD_HOST: '127.0.0.1',
    DASHBOARD_PORT: String(port),
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(await freePort()),
    DASHBOARD_RATE_LIMIT_PER_MIN: '1000000',
    LOG_LEVEL: 'warn',
  });
  dashboard.start();
  await waitForPort(port, 60_000);
  return {
    base: `http://127.0.0.1:${port}`,
    stop: async () => void (await dashboard.kill('SIGTERM')),
  };
}

async function timed(url: string, check: (body: string) => void): Promise<number> {
  const started = performance.now();
  const res = await fetch(url);
  const body = await res.text();
  const ms = performance.now() - started;
  if (res.status !== 200) throw new Error(`${url}: ${res.status} ${body.slice(0, 200)}`);
  check(body);
  return ms;
}

/**
 * The per-day figures the collector keeps, for 1,000 vehicles x 30 days, written straight into
 * the store's table (as an import would; trips and stops themselves are not read by the report).
 * A day like the simulator's: about 20 trips, 150 km, 4 h driving.
 */
function fillDays(path: string, vehicles: number, days: number, lastDay: number): void {
  const db = new Database(path);
  const insert = db.prepare(
    `INSERT INTO geo_days (device_id, day, distance_km, driving_s, idle_s, stopped_s, overspeed_s,
       max_speed_kmh, fuel_used_pct, harsh_events, trips) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  db.transaction(() => {
    for (let v = 0; v < vehicles; v++) {
      const id = `veh_${String(v).padStart(4, '0')}`;
      for (let d = 0; d < days; d++) {
        const day = new Date(lastDay - d * DAY).toISOString().slice(0, 10);
        const k = ((v * 31 + d * 7) % 50) / 50;
        insert.run(
          id,
          day,
          120 + 60 * k,
          12_000 + 4000 * k,
          1800,
          72_000 - 4000 * k,
          300 * k,
          70 + 40 * k,
          12 + 3 * k,
          Math.round(4 * k),
          18 + Math.round(6 * k),
        );
      }
    }
  })();
  db.close();
}

export async function summaryBench(
  dir: string,
  o: GeoBenchOptions,
): Promise<Record<string, number>> {
  const path = join(dir, 'telemetry.db');
  const store = new SqliteStore({ path });
  await store.start();
  await store.stop();
  const vehicles = 1000;
  const days = 30;
  const today = Math.floor(Date.now() / DAY) * DAY;
  o.say(`bench geo: ${vehicles} vehicles x ${days} days of daily figures`);
  fillDays(path, vehicles, days, today);
  const from = new Date(today - (days - 1) * DAY).toISOString().slice(0, 10);
  const to = new Date(today).toISOString().slice(0, 10);
  const d = await dashboardOn(dir, path);
  try {
    const url = (q: string) => `${d.base}/api/reports/summary?from=${from}&to=${to}${q}`;
    const rows = (n: number) => (body: string) => {
      const got = (JSON.parse(body) as unknown[]).length;
      if (got !== n) throw new Error(`summary: ${got} rows, expected ${n}`);
    };
    await timed(url(''), rows(vehicles * days)); // warm: open, page cache
    const perDay: number[] = [];
    const whole: number[] = [];
    const csv: number[] = [];
    const loads: number[] = [];
    for (let i = 0; i < Math.max(3, o.repeat); i++) {
      o.say(`bench geo: summary report ${i + 1}`);
      loads.push(load1());
      perDay.push(await timed(url('&group_by=day'), rows(vehicles * days)));
      whole.push(await timed(url('&group_by=none'), rows(vehicles)));
      csv.push(await timed(url('&format=csv'), (b) => void b));
    }
    return {
      summary_1000x30_day_ms: median(perDay),
      summary_1000x30_none_ms: median(whole),
      summary_1000x30_csv_ms: median(csv),
      summary_load_avg: median(loads),
    };
  } finally {
    await d.stop();
  }
}

/** A month at 1 Hz for one vehicle: the minute and 10-minute tracks from every fix, the last hour raw. */
async function fillTrack(path: string, deviceId: string, end: number): Promise<void> {
  const telemetry = new SqliteStore({ path });
  await telemetry.start();
  const total = 30 * 86_400;
  const lastHour: Reading[] = [];
  const buckets: TrackBucket[] = [];
  const coarse: TrackBucket[] = [];
  const tier = new TrackTier(
    initialTierState(),
    (b) => buckets.push({ ...b }),
    (b) => {
      if (coarse[coarse.length - 1]?.minute === b.minute) coarse.pop();
      coarse.push({ ...b });
    },
  );
  drive(total, end, 7, (d) => {
    tier.validFix(d.time, d.lat, d.lon);
    if (d.seq >= total - 3600) lastHour.push(readingOfDrive(deviceId, d));
  });
  await telemetry.write(lastHour);
  await telemetry.stop();
  const geo = new SqliteGeoStore({ path });
  await geo.start();
  for (let i = 0; i < buckets.length; i += 5000) {
    const change: GeoChange = {
      deviceId,
      after: null,
      trips: [],
      stops: [],
      events: [],
      checkpoints: [],
      track: buckets.slice(i, i + 5000),
      coarseTrack: i === 0 ? coarse : [],
    };
    await geo.apply([change]);
  }
  await geo.stop();
}

export async function trackBench(dir: string, o: GeoBenchOptions): Promise<Record<string, number>> {
  const path = join(dir, 'telemetry.db');
  const end = Date.now() - 60_000;
  o.say('bench geo: a month of one vehicle at 1 Hz (minute and 10-minute tracks, last hour raw)');
  await fillTrack(path, 'month_1hz', end);
  const d = await dashboardOn(dir, path);
  try {
    let points = 0;
    const count = (body: string) => {
      const t = JSON.parse(body) as { features: Array<{ geometry: { coordinates: unknown[] } }> };
      points = t.features.reduce((n, f) => n + f.geometry.coordinates.length, 0);
      if (points === 0 || points > 2000) throw new Error(`track: ${points} points`);
    };
    const month = `${d.base}/api/devices/month_1hz/track?from=${new Date(end - 30 * DAY).toISOString()}&to=${new Date(end).toISOString()}&max_points=2000`;
    const hour = `${d.base}/api/devices/month_1hz/track?from=${new Date(end - 3_600_000).toISOString()}&to=${new Date(end).toISOString()}&max_points=2000`;
    await timed(month, count);
    const times: number[] = [];
    const raw: number[] = [];
    const loads: number[] = [];
    for (let i = 0; i < Math.max(10, o.repeat); i++) {
      loads.push(load1());
      times.push(await timed(month, count));
      raw.push(await timed(hour, (b) => void b));
    }
    await timed(month, count);
    return {
      track_30d_1hz_ms: median(times),
      track_30d_1hz_points: points,
      track_1h_raw_ms: median(raw),
      track_load_avg: median(loads),
    };
  } finally {
    await d.stop();
  }
}

/** The collector into SQLite, telemetry with positions; with trips (100 zones) or GEO_TRACKING=false. */
async function ingestOnce(
  dir: string,
  load: ReturnType<typeof writeTelemetryLoad>,
  geo: boolean,
): Promise<number> {
  const path = join(dir, 'telemetry.db');
  if (geo) {
    // The zones the collector would have from fleet/geofences, kept in the store as it keeps them.
    const store = new SqliteStore({ path });
    await store.start();
    await store.stop();
    const g = new SqliteGeoStore({ path });
    await g.start();
    await g.setMeta('geofences', encodeGeofenceSnapshot(hundredZones(), Date.now()));
    await g.stop();
  }
  const progress = new SqliteProgress(path);
  const run = await collectorRun(
    dir,
    load,
    BENCH_BROKER,
    { STORE: 'sqlite', SQLITE_PATH: path, GEO_TRACKING: String(geo) },
    [],
    progress.stored,
  ).finally(() => progress.close());
  return run.msgsPerS;
}

export async function geoIngestBench(
  dir: string,
  o: GeoBenchOptions,
): Promise<Record<string, number>> {
  mkdirSync(dir, { recursive: true });
  const load = writeTelemetryLoad(dir, 10, o.quick ? 5000 : 30_000);
  const without: number[] = [];
  const withGeo: number[] = [];
  const loads: number[] = [];
  for (let i = 0; i < o.repeat; i++) {
    // Interleaved, each in a fresh store: drift hits both sides alike.
    o.say(`bench geo: ingest without trips, run ${i + 1}/${o.repeat}`);
    loads.push(load1());
    without.push(await ingestOnce(join(dir, `off-${i}`), load, false));
    rmSync(join(dir, `off-${i}`), { recursive: true, force: true });
    o.say(`bench geo: ingest with trips, 100 geofences and behaviour, run ${i + 1}/${o.repeat}`);
    withGeo.push(await ingestOnce(join(dir, `on-${i}`), load, true));
    rmSync(join(dir, `on-${i}`), { recursive: true, force: true });
  }
  const a = median(withGeo);
  const b = median(without);
  return {
    ingest_telemetry_msgs_per_s: b,
    ingest_with_trips_msgs_per_s: a,
    ingest_trips_ratio: Math.round((a / b) * 1000) / 1000,
    ingest_load_avg: median(loads),
  };
}
