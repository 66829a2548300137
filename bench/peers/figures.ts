// The peers suite's figures: each contender's rows/s, CPU, peak RSS and rows stored, ours against each Node-RED flow, and what each acknowledges.
import type { IngestRun } from '../ingest.js';
import type { Load } from '../publishers.js';
import { median, ratio, round } from '../stats.js';
import type { NodeRedInstall } from './install.js';
import type { PeerRun } from './run.js';

export interface PeerRuns {
  ours: PeerRun[];
  batched: PeerRun[];
  naive: PeerRun[];
  /** The same load into `mosquitto_sub -q 1 -c`, counting only: the machine's ceiling at the time. */
  mosquittoSub: IngestRun[];
}

const med = <R extends IngestRun>(runs: R[], pick: (r: R) => number | undefined) =>
  median(runs.map((r) => pick(r) ?? 0));

/**
 * Medians per contender; `*_rows_stored` is the fewest rows any repetition stored (a flow that loses
 * readings must show it, against `readings` sent); the ratios are ours over each flow.
 */
export function peersFigures(load: Load, runs: PeerRuns): Record<string, number> {
  const rate = (r: IngestRun[]) => med(r, (x) => x.msgsPerS);
  const contenders = { ours: runs.ours, batched: runs.batched, naive: runs.naive };
  const out: Record<string, number> = {
    readings: load.publishers * load.perPublisher,
    payload_bytes: load.payloadBytes,
    mosquitto_sub_msgs_per_s: round(rate(runs.mosquittoSub)),
  };
  for (const [name, r] of Object.entries(contenders)) out[`${name}_rows_per_s`] = round(rate(r));
  out.ratio_batched = ratio(rate(runs.ours), rate(runs.batched));
  out.ratio_naive = ratio(rate(runs.ours), rate(runs.naive));
  for (const [name, r] of Object.entries(contenders)) {
    out[`${name}_cores`] = round(med(r, (x) => x.cores));
    out[`${name}_cpu_us_per_row`] = round(med(r, (x) => x.cpuUsPerReading));
    out[`${name}_rss_mb`] = round(med(r, (x) => x.rssMb));
    out[`${name}_rows_stored`] = Math.min(...r.map((x) => x.stored));
  }
  return out;
}

/** Printed under the table: the figures are only comparable knowing what each side has done when it acknowledges. */
export function peersNote(install: NodeRedInstall): string {
  return [
    `peers: Node-RED ${install.nodeRed}, node-red-node-sqlite ${install.sqliteNode} (SQLite ${install.sqlite}); rows/s until every row is in each one's SQLite file.`,
    '  ours:    PUBACK after the SQLite commit (validated, deduplicated, rollups and coverage written); end-to-end acks to the device.',
    '  batched: mqtt in -> join (1,000 or 100 ms) -> one multi-row INSERT; PUBACK on receipt, before anything is written.',
    '  naive:   mqtt in -> one INSERT per message (each its own transaction); PUBACK on receipt, before anything is written.',
  ].join('\n');
}
