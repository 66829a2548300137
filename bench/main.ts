// `npm run bench [-- --json] [--only ingest,latency,...,export,ui,map,gateway,geo,migration,peers] [--repeat N] [--quick] [--payloads telemetry,speed] [--build import|sql]`: every figure a median of repeated runs.
import { execSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { StatusLine } from '../core/status-line.js';
import { clusterRun } from './cluster.js';
import { type ExportRun, exportRuns } from './export.js';
import { fleetRun } from './fleet.js';
import { type OsmandRun, osmandRun, type TeltonikaRun, teltonikaRun } from './gateway.js';
import { geoIngestBench, summaryBench, trackBench } from './geo-suite.js';
import { historyRuns } from './history.js';
import { BENCH_BROKER, ceilingRun, type IngestRun, influxRun, sqliteRun } from './ingest.js';
import { type IngestRuns, ingestFigures } from './ingest-figures.js';
import { latencyRun } from './latency.js';
import { type LongevityBuild, longevityRun } from './longevity.js';
import { migrationRun } from './migration.js';
import { peersSuite } from './peers/suite.js';
import { MAX_LINES_PER_PUBLISHER, type PayloadKind, writeLoad } from './publishers.js';
import { queueDrainRun } from './queue-drain.js';
import { type Results, table } from './report.js';
import { median, ratio, round } from './stats.js';
import { uiRun } from './ui.js';
import { mapRun } from './ui-map.js';

const SUITES = [
  'ingest',
  'latency',
  'history',
  'fleet',
  'queue',
  'longevity',
  'migration',
  'export',
  'cluster',
  'ui',
  'map',
  'gateway',
  'geo',
  'peers',
] as const;
type Suite = (typeof SUITES)[number];

const { values } = parseArgs({
  options: {
    json: { type: 'boolean', default: false },
    only: { type: 'string' },
    repeat: { type: 'string', default: '3' },
    quick: { type: 'boolean', default: false },
    /**
     * ingest, longevity, peers: `telemetry,speed` (default both); ingest, peers: `--inflight N`
     * (Mosquitto's max_inflight_messages).
     */
    payloads: { type: 'string', default: 'telemetry,speed' },
    inflight: { type: 'string' },
    /** ingest: leave influxd out (profiling the SQLite path). */
    'no-influx': { type: 'boolean', default: false },
    /** ingest: the SQLite collector runs with --cpu-prof, profiles written to this directory. */
    profile: { type: 'string' },
    /** longevity: the store built by `import` (npm run import of a CSV, default) or `sql`. */
    build: { type: 'string', default: 'import' },
  },
});
const repeat = Number(values.repeat);
if (!Number.isInteger(repeat) || repeat < 1) {
  process.stderr.write('bench: --repeat must be a positive integer\n');
  process.exit(2);
}
const only = (values.only?.split(',') ?? [...SUITES]) as Suite[];
const unknown = only.filter((s) => !SUITES.includes(s));
if (unknown.length > 0) {
  process.stderr.write(`bench: unknown suite ${unknown.join(', ')} (have ${SUITES.join(', ')})\n`);
  process.exit(2);
}
const quick = values.quick;
const payloads = values.payloads.split(',') as PayloadKind[];
if (payloads.some((p) => p !== 'telemetry' && p !== 'speed')) {
  process.stderr.write('bench: --payloads takes telemetry and/or speed\n');
  process.exit(2);
}
const build = values.build as LongevityBuild;
if (build !== 'import' && build !== 'sql') {
  process.stderr.write('bench: --build takes import or sql\n');
  process.exit(2);
}
const inflight = values.inflight === undefined ? undefined : Number(values.inflight);
const withInflux = !values['no-influx'];
const collectorExtra = values.profile
  ? { nodeArgs: ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] }
  : {};
// Progress on stderr: redrawn in place with the elapsed time on a terminal; plain lines otherwise
// (none with --json, whose one document goes to stdout).
const status = new StatusLine(process.stderr, { plain: !values.json });
const say = (line: string) => status.set(line);

/** Runs `once` `repeat` times, each in a fresh temp dir. */
async function repeated<T>(name: string, once: (dir: string) => Promise<T>): Promise<T[]> {
  const out: T[] = [];
  for (let i = 0; i < repeat; i++) {
    const dir = mkdtempSync(join(tmpdir(), `bench-${name}-`));
    try {
      say(`bench ${name}: run ${i + 1}/${repeat}`);
      out.push(await once(dir));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return out;
}

// Collector and devices run as `npm run collector|devices` does: bundled by `npm run build`.
execSync('npm run -s build', { stdio: 'inherit' });

const results: Results = {};

if (only.includes('ingest')) {
  // 100,000 readings from 10 mosquitto_pub processes (issue 20), full telemetry payloads and the
  // speed-only ones of before, through one broker setup for every consumer.
  const setup = { ...BENCH_BROKER, ...(inflight === undefined ? {} : { maxInflight: inflight }) };
  for (const kind of payloads) {
    const loadDir = mkdtempSync(join(tmpdir(), 'bench-load-'));
    const load = writeLoad(loadDir, 10, quick ? 2000 : 10_000, kind);
    const runs: IngestRuns = {
      mqttjs: [],
      mosquittoSub: [],
      sqlite: [],
      influx: [],
    };
    // Interleaved: each repetition measures all four back to back, so drift hits every side alike.
    await repeated(`ingest ${kind}`, async (dir) => {
      runs.mqttjs.push(await ceilingRun(join(dir, 'm'), load, 'mqttjs', setup));
      runs.mosquittoSub.push(await ceilingRun(join(dir, 'c'), load, 'mosquitto_sub', setup));
      runs.sqlite.push(await sqliteRun(join(dir, 's'), load, setup, collectorExtra));
      if (withInflux) runs.influx.push(await influxRun(join(dir, 'i'), load, setup));
    });
    rmSync(loadDir, { recursive: true, force: true });
    results[kind === 'telemetry' ? 'ingest' : 'ingest_speed'] = ingestFigures(load, runs, setup);
    if (kind === 'telemetry') {
      results.collector = { rss_mb: round(median(runs.sqlite.map((r) => r.rssMb ?? 0))) };
    }
  }
}

if (only.includes('cluster')) {
  // Several collectors (REDIS_URL) on this one host: 1 vs 3 processes, into SQLite and into influxd.
  const loadDir = mkdtempSync(join(tmpdir(), 'bench-load-'));
  const load = writeLoad(loadDir, 10, quick ? 5000 : 30_000);
  const runs: Record<string, IngestRun[]> = {};
  const add = (key: string, run: IngestRun) => {
    runs[key] = [...(runs[key] ?? []), run];
  };
  await repeated('cluster', async (dir) => {
    // The default collector (no REDIS_URL) beside them, in the same repetition: drift hits all alike.
    say('bench cluster: one collector without REDIS_URL into sqlite, then influxdb');
    add('sqlite_no_redis_msgs_per_s', await sqliteRun(join(dir, 'single-s'), load));
    add('influxdb_no_redis_msgs_per_s', await influxRun(join(dir, 'single-i'), load));
    for (const store of ['sqlite', 'influxdb'] as const) {
      for (const collectors of [1, 3]) {
        const key = `${store}_${collectors}_collectors_msgs_per_s`;
        say(`bench cluster: ${collectors} collector(s) into ${store}`);
        add(key, await clusterRun(join(dir, key), load, { collectors, store }));
      }
    }
  });
  rmSync(loadDir, { recursive: true, force: true });
  results.cluster = Object.fromEntries(
    Object.entries(runs).map(([k, v]) => [k, round(median(v.map((r) => r.msgsPerS)))]),
  );
}

if (only.includes('latency')) {
  const slow = await repeated('latency-1hz', (dir) =>
    latencyRun(dir, { devices: 10, intervalMs: 1000, seconds: quick ? 5 : 30 }),
  );
  const fast = await repeated('latency-5k', (dir) =>
    latencyRun(dir, { devices: 50, intervalMs: 10, seconds: quick ? 3 : 10 }),
  );
  results.latency = {
    p50_ms: round(median(slow.map((r) => r.p50))),
    p99_ms: round(median(slow.map((r) => r.p99))),
    p99_ms_at_5k: round(median(fast.map((r) => r.p99))),
    readings_per_s_at_5k: round(median(fast.map((r) => r.readingsPerS))),
  };
}

if (only.includes('history')) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-history-'));
  try {
    say('bench history: filling 10 devices x 24 h at 1 Hz');
    const runs = await historyRuns(dir, {
      repeat,
      requests: quick ? 20 : 100,
      devices: 10,
      hours: 24,
    });
    results.history = {
      p95_ms_24h: round(median(runs.map((r) => r.p95Ms24h))),
      p95_ms_5m: round(median(runs.map((r) => r.p95Ms5m))),
      readings: runs[0]?.readings ?? 0,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (only.includes('fleet')) {
  const count = quick ? 1000 : 10_000;
  const runs = await repeated('fleet', (dir) =>
    fleetRun(dir, { count, warmupS: quick ? 5 : 20, measureS: quick ? 5 : 20 }),
  );
  results.fleet = {
    [`rss_mb_${count}`]: round(median(runs.map((r) => r.rssMb))),
    [`cpu_${count}`]: round(median(runs.map((r) => r.cores))),
    [`readings_per_s_${count}`]: round(median(runs.map((r) => r.readingsPerS))),
  };
}

if (only.includes('queue')) {
  const runs = await repeated('queue', (dir) => queueDrainRun(dir, { backlog: 10_000 }));
  results.queue = { drain_msgs_per_s: round(median(runs.map((r) => r.msgsPerS))) };
}

if (only.includes('longevity')) {
  // Per payload kind (`--payloads`): full telemetry into `longevity`, speed-only `longevity_speed`.
  for (const kind of payloads) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-longevity-'));
    try {
      const r = await longevityRun(dir, {
        shape: quick
          ? { vehicles: 10, rawDays: 2, olderDays: 30 }
          : { vehicles: 10, rawDays: 30, olderDays: 335 },
        kind,
        build,
        requests: quick ? 20 : 100,
        repeat,
        say,
      });
      results[kind === 'telemetry' ? 'longevity' : 'longevity_speed'] = Object.fromEntries(
        Object.entries(r).map(([k, v]) => [k, round(v as number)]),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

if (only.includes('migration')) {
  // The previous release's speed-only store (schema v1), 10 vehicles x 30 days at 1 Hz: the
  // collector's first start on it (the upgrade) beside a start on an empty store.
  const dir = mkdtempSync(join(tmpdir(), 'bench-migration-'));
  try {
    const r = await migrationRun(dir, { vehicles: 10, days: quick ? 3 : 30, repeat, say });
    results.migration = Object.fromEntries(Object.entries(r).map(([k, v]) => [k, round(v)]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (only.includes('export')) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-export-'));
  try {
    const runs = await exportRuns(dir, { days: quick ? 3 : 30, repeat, say });
    const figures = (prefix: string, r: ExportRun[]) => ({
      [`${prefix}_rows_per_s`]: round(median(r.map((x) => x.rowsPerS))),
      [`${prefix}_rss_growth_mb`]: round(median(r.map((x) => x.rssGrowthMb))),
      [`${prefix}_event_loop_max_ms`]: round(median(r.map((x) => x.eventLoopMaxMs))),
      [`${prefix}_health_max_ms`]: round(median(r.map((x) => x.healthMaxMs))),
      [`${prefix}_load_avg`]: round(median(r.map((x) => x.loadAvg))),
    });
    results.export = {
      rows: runs.sqlite[0]?.rows ?? 0,
      ...figures('sqlite', runs.sqlite),
      ...figures('influxdb', runs.influxdb),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (only.includes('ui')) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-ui-'));
  try {
    results.ui = await uiRun(dir, { repeat, quick, say });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (only.includes('map')) {
  // The live map at 10,000 vehicles driving (1 Hz positions): Chromium zoomed out and zoomed in.
  const dir = mkdtempSync(join(tmpdir(), 'bench-map-'));
  try {
    results.map = await mapRun(dir, { repeat, quick, say });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (only.includes('gateway')) {
  const trackers: TeltonikaRun[] = [];
  const phones: OsmandRun[] = [];
  const mqtt: IngestRun[] = [];
  const connections = quick ? 200 : 1000;
  await repeated('gateway', async (dir) => {
    say(`bench gateway: ${connections} Teltonika connections, one record a second each`);
    const tracker = await teltonikaRun(join(dir, 't'), { connections, seconds: quick ? 10 : 30 });
    say(`bench gateway: ack p99 per second (ms): ${tracker.ackP99MsBySecond.join(' ')}`);
    trackers.push(tracker);
    say('bench gateway: OsmAnd requests on one core (autocannon)');
    const phone = await osmandRun(join(dir, 'o'), {
      seconds: quick ? 5 : 15,
      connections: 50,
      devices: 100,
    });
    phones.push(phone);
    // The MQTT path with as many readings, in the same repetition: drift hits both alike.
    say('bench gateway: the same number of readings over MQTT (10 publishers)');
    const perPublisher = Math.min(MAX_LINES_PER_PUBLISHER, Math.ceil(phone.requests / 10));
    mkdirSync(join(dir, 'load'));
    const load = writeLoad(join(dir, 'load'), 10, perPublisher);
    mqtt.push(await sqliteRun(join(dir, 'm'), load));
  });
  const m = (pick: (r: TeltonikaRun) => number) => round(median(trackers.map(pick)));
  results.gateway = {
    [`teltonika_ack_p50_ms_${connections}`]: m((r) => r.ackP50Ms),
    [`teltonika_ack_p99_ms_${connections}`]: m((r) => r.ackP99Ms),
    teltonika_loadgen_loop_p99_ms: m((r) => r.loadGenLoopP99Ms),
    [`teltonika_cpu_${connections}`]: m((r) => r.cpuCores),
    [`teltonika_rss_mb_${connections}`]: m((r) => r.rssMb),
    teltonika_delivered_ratio: m((r) => r.deliveredRatio),
    osmand_requests_per_s_one_core: round(median(phones.map((r) => r.requestsPerS))),
    osmand_latency_p99_ms: round(median(phones.map((r) => r.latencyP99Ms))),
    osmand_stored_per_s: round(median(phones.map((r) => r.storedPerS))),
    mqtt_stored_per_s: round(median(mqtt.map((r) => r.msgsPerS))),
    osmand_to_mqtt_ratio: ratio(
      median(phones.map((r) => r.storedPerS)),
      median(mqtt.map((r) => r.msgsPerS)),
    ),
  };
}

if (only.includes('geo')) {
  const dir = mkdtempSync(join(tmpdir(), 'bench-geo-'));
  try {
    const o = { repeat, quick, say };
    const figures = {
      ...(await summaryBench(join(dir, 'summary'), o)),
      ...(await trackBench(join(dir, 'track'), o)),
      ...(await geoIngestBench(join(dir, 'ingest'), o)),
    };
    results.geo = Object.fromEntries(Object.entries(figures).map(([k, v]) => [k, round(v)]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Node-RED 4.1 (installed into .tools/ on first use) vs our collector, same broker and load (issue 24).
let peersNote = '';
if (only.includes('peers')) {
  const peers = await peersSuite({ payloads, quick, repeated, say });
  Object.assign(results, peers.results);
  peersNote = `\n${peers.note}`;
}

status.stop();
process.stdout.write(
  `${values.json ? JSON.stringify(results) : `${table(results, repeat)}${peersNote}`}\n`,
);
// A full `--only ingest` run was seen to stay alive after printing its table (only its stdio
// handles were listed as active once it was probed): the report is out, so a stray handle must not
// keep the command from returning. Unref'd: a clean exit does not wait for it.
setTimeout(() => process.exit(process.exitCode ?? 0), 5000).unref();
