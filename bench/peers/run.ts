// One contender of the peers bench fed the load on its own fresh Mosquitto (same settings for all): a Node-RED flow, or our collector; rows stored counted at the end.
import { join } from 'node:path';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { sleep } from '../../harness/wait.js';
import {
  BENCH_BROKER,
  type BrokerSetup,
  type IngestRun,
  type ShortFinish,
  sqliteRun,
  timed,
} from '../ingest.js';
import { type Load, loadFilter } from '../publishers.js';
import type { NodeRedInstall } from './install.js';
import { NodeRedProcess, type PeerFlow } from './node-red.js';
import { countRows, createReadingsTable, RowWatch } from './readings-table.js';

export interface PeerRun extends IngestRun {
  /** Rows in the contender's SQLite file once it was done (sent: the load's readings). */
  stored: number;
}

/** Long enough for a commit queue to catch up; a flow that has stored nothing new for this long has lost the rest. */
const QUIET_MS = 10_000;

/**
 * How long a flow may take for the load. One INSERT per message commits each row on its own (a
 * rollback journal, synchronous FULL: several fsyncs a row), a few hundred rows/s on this machine's
 * disk, so 100,000 readings take minutes; past this the run is cut and shows the rows stored by then.
 */
const NODE_RED_MAX_WAIT_MS = 900_000;

/**
 * Resolves when the readings table holds `total` rows, or, short, once reads have seen no new row
 * for QUIET_MS (Node-RED acknowledged readings it then failed to write: the rest never comes) or
 * the time is up.
 */
async function allStored(watch: RowWatch, total: number): Promise<ShortFinish | undefined> {
  let rows = 0;
  let grewAt = performance.now();
  const deadline = grewAt + NODE_RED_MAX_WAIT_MS;
  for (;;) {
    const now = watch.rows(); // undefined: the writer held the lock; nothing learnt
    if (now !== undefined && now >= total) return undefined;
    if (now !== undefined && now > rows) {
      rows = now;
      grewAt = performance.now();
    } else if (now !== undefined && rows > 0 && performance.now() - grewAt > QUIET_MS) {
      return { rows, endedAt: grewAt };
    }
    if (performance.now() > deadline) return { rows, endedAt: grewAt };
    // As often as ours is checked (ingest.ts storedAll): at 100 ms Node-RED's finish was seen up
    // to 80 ms later than ours would have been, 2-3 % of a batched run.
    await sleep(20);
  }
}

export async function nodeRedRun(
  dir: string,
  load: Load,
  flow: PeerFlow,
  install: NodeRedInstall,
  setup: BrokerSetup = BENCH_BROKER,
): Promise<PeerRun> {
  const broker = new MosquittoProcess({
    dir: join(dir, 'mosquitto'),
    maxInflight: setup.maxInflight,
  });
  await broker.start();
  const sqlitePath = join(dir, 'readings.db');
  createReadingsTable(sqlitePath);
  const red = new NodeRedProcess({
    dir: join(dir, 'node-red'),
    redJs: install.redJs,
    flow,
    brokerPort: broker.port,
    topic: loadFilter(load.kind),
    sqlitePath,
  });
  const watch = new RowWatch(sqlitePath);
  try {
    await red.start();
    const total = load.publishers * load.perPublisher;
    const run = await timed(
      load,
      broker.port,
      red.pid,
      // Checked once the publishers are done, as every consumer of the suites is (ingest.ts).
      (published) => published.then(() => allStored(watch, total)),
      NODE_RED_MAX_WAIT_MS + 10_000,
    );
    watch.close();
    await red.stop(); // its last writes in, before the count
    return { ...run, stored: countRows(sqlitePath) };
  } finally {
    watch.close();
    await red.stop();
    await broker.stop();
  }
}

/** `npm run collector` into SQLite, as the ingest suite runs it; its readings table counted after. */
export async function oursRun(
  dir: string,
  load: Load,
  setup: BrokerSetup = BENCH_BROKER,
): Promise<PeerRun> {
  const run = await sqliteRun(dir, load, setup);
  return { ...run, stored: countRows(join(dir, 'telemetry.db')) };
}
