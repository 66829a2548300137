// `npm run bench -- --only peers`: the same load through two Node-RED flows (naive, batched) and through our collector, interleaved per repetition.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BENCH_BROKER, ceilingRun } from '../ingest.js';
import { type PayloadKind, writeLoad } from '../publishers.js';
import type { Results } from '../report.js';
import { type PeerRuns, peersFigures, peersNote } from './figures.js';
import { ensureNodeRed } from './install.js';
import { nodeRedRun, oursRun } from './run.js';

/** main.ts's repetition: `once` run `repeat` times, each in a fresh temp dir. */
export type Repeated = <T>(name: string, once: (dir: string) => Promise<T>) => Promise<T[]>;

export interface PeersOptions {
  payloads: PayloadKind[];
  quick: boolean;
  repeated: Repeated;
  say: (line: string) => void;
}

/** `peers` (full telemetry) and `peers_speed` figures, and the note on what each side acknowledges. */
export async function peersSuite(o: PeersOptions): Promise<{ results: Results; note: string }> {
  const install = ensureNodeRed(o.say);
  const results: Results = {};
  for (const kind of o.payloads) {
    // The ingest suite's load: 10 mosquitto_pub publishers, 100,000 readings.
    const loadDir = mkdtempSync(join(tmpdir(), 'bench-load-'));
    try {
      const load = writeLoad(loadDir, 10, o.quick ? 2000 : 10_000, kind);
      const runs: PeerRuns = { ours: [], batched: [], naive: [], mosquittoSub: [] };
      // Interleaved: each repetition measures all three back to back, so drift hits every side alike.
      await o.repeated(`peers ${kind}`, async (dir) => {
        o.say(`bench peers ${kind}: Node-RED, one INSERT per message`);
        runs.naive.push(await nodeRedRun(join(dir, 'n'), load, 'naive', install, BENCH_BROKER));
        o.say(`bench peers ${kind}: Node-RED, 1,000 messages or 100 ms per INSERT`);
        runs.batched.push(await nodeRedRun(join(dir, 'b'), load, 'batched', install, BENCH_BROKER));
        o.say(`bench peers ${kind}: npm run collector into SQLite`);
        runs.ours.push(await oursRun(join(dir, 'o'), load, BENCH_BROKER));
        // What the broker and publishers allow on the machine right now: the C client, counting only.
        o.say(`bench peers ${kind}: mosquitto_sub counting (the ceiling)`);
        runs.mosquittoSub.push(
          await ceilingRun(join(dir, 'c'), load, 'mosquitto_sub', BENCH_BROKER),
        );
      });
      results[kind === 'telemetry' ? 'peers' : 'peers_speed'] = peersFigures(load, runs);
    } finally {
      rmSync(loadDir, { recursive: true, force: true });
    }
  }
  return { results, note: peersNote(install) };
}
