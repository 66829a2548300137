// Measures start-up on a large InfluxDB store (not a test; prints figures):
//   node --import tsx test/influx/measure-large.ts [--readings 5000000] [--runs 3]
// Builds 5 M readings of one vehicle the way the test does (timed), then times `npm run collector`'s
// program (bundled, 96 MB heap) from spawn to its SUBACK on an empty store, on that store, and on
// the same readings written by an older version (raw points only: the one-time full read).
import { parseArgs } from 'node:util';
import { RssPeak } from '../../bench/process-metrics.js';
import { InfluxStore } from '../../core/store/influx-store.js';
import { InfluxdProcess } from '../../harness/influxd.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { ProgramProcess } from '../../harness/program.js';
import { waitFor } from '../../harness/wait.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { fillInfluxStore } from './fill.js';

const { values } = parseArgs({
  options: {
    readings: { type: 'string', default: '5000000' },
    runs: { type: 'string', default: '3' },
  },
});
const readings = Number(values.readings);
const runs = Number(values.runs);
const dir = tempDir('measure-large-');
const influxd = new InfluxdProcess({ dir: `${dir}/influxd` });
const broker = new MosquittoProcess({ dir: `${dir}/mosquitto` });
const say = (line: string) => process.stdout.write(`${line}\n`);

/** Spawn to "subscribed", and the peak RSS until then, of the collector on `database`. */
async function readyOn(database: string): Promise<{ ms: number; rssMb: number }> {
  const c = ProgramProcess.fromNpmScript('collector', [], {
    MQTT_BROKER_HOST: '127.0.0.1',
    MQTT_BROKER_PORT: String(broker.port),
    STORE: 'influxdb',
    INFLUXDB_URL: influxd.url,
    INFLUXDB_BUCKET: database,
    LOG_LEVEL: 'info',
  });
  const started = performance.now();
  c.start();
  const rss = new RssPeak(c.pid ?? 0, 20).start();
  await waitFor(
    () => c.stderr,
    (e) => e.includes('"msg":"subscribed"') || !c.running,
    { timeoutMs: 600_000, intervalMs: 10, what: 'subscribed' },
  );
  const ms = performance.now() - started;
  const rssMb = rss.stop();
  if (!c.running) throw new Error(`collector exited:\n${c.stderr.slice(-3000)}`);
  await c.kill('SIGTERM');
  return { ms, rssMb };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;

try {
  await Promise.all([influxd.start(), broker.start()]);
  const end = Date.now() - 60_000;
  const fill = { deviceId: 'vehicle_01', count: readings, intervalMs: 100, end };
  const times = await fillInfluxStore(influxd, {
    ...fill,
    database: 'large',
    checkpointed: readings - 1000,
  });
  say(
    `built ${readings} readings: raw ${(times.rawMs / 1000).toFixed(1)} s, rollups ${(times.rollupsMs / 1000).toFixed(1)} s`,
  );
  const empty: number[] = [];
  const large: number[] = [];
  let rss = 0;
  for (let i = 0; i < runs; i++) {
    empty.push((await readyOn(`empty_${i}`)).ms);
    const r = await readyOn('large');
    large.push(r.ms);
    rss = Math.max(rss, r.rssMb);
  }
  say(
    `collector ready (spawn to SUBACK), median of ${runs}: empty store ${median(empty).toFixed(0)} ms, ` +
      `${readings} readings ${median(large).toFixed(0)} ms (ratio ${(median(large) / median(empty)).toFixed(2)}), peak RSS ${rss.toFixed(0)} MB`,
  );
  // Reads a dashboard makes on that store, through a read-only store (median of 20 each).
  const reader = new InfluxStore({
    url: influxd.url,
    token: undefined,
    org: 'my-org',
    bucket: 'large',
    api: 'auto',
    readonly: true,
  });
  await reader.start();
  const timed = async (what: string, call: () => Promise<unknown>) => {
    const ms: number[] = [];
    for (let i = 0; i < 20; i++) {
      const t = performance.now();
      await call();
      ms.push(performance.now() - t);
    }
    say(`${what}: median ${median(ms).toFixed(1)} ms, max ${Math.max(...ms).toFixed(1)} ms`);
  };
  const now = Date.now();
  await timed('latest()', () => reader.latest('vehicle_01'));
  await timed('devices()', () => reader.devices());
  for (const [name, span] of [
    ['5 m', 300_000],
    ['24 h', 86_400_000],
    ['5 d', 5 * 86_400_000],
  ] as const) {
    await timed(`history ${name} (300 points)`, () =>
      reader.history({ deviceId: 'vehicle_01', from: now - span, to: now, maxPoints: 300, now }),
    );
  }
  await reader.stop();
  const legacyTimes = await fillInfluxStore(influxd, {
    ...fill,
    database: 'legacy',
    checkpointed: readings,
    legacy: true,
  });
  say(`older store (raw only) built in ${(legacyTimes.rawMs / 1000).toFixed(1)} s`);
  const first = await readyOn('legacy');
  const second = await readyOn('legacy');
  say(
    `older store: first start ${(first.ms / 1000).toFixed(1)} s (full read + rollups, peak RSS ${first.rssMb.toFixed(0)} MB), ` +
      `second start ${second.ms.toFixed(0)} ms`,
  );
} finally {
  await Promise.all([broker.stop(), influxd.stop()]);
  removeTempDirs();
}
