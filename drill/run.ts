// Runs one drill scenario end to end in a fresh environment and tallies what happened to every reading.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../harness/wait.js';
import { tally } from './accounting.js';
import { DrillEnvironment, drillSettings } from './environment.js';
import { type FailoverOptions, runFailover } from './failover.js';
import { ROUNDS, type ScenarioName } from './scenarios.js';

export interface DrillOptions {
  rounds: number;
  devices: number;
  intervalMs: number;
  store: 'sqlite' | 'influxdb';
  ackMode: 'e2e' | 'broker';
  queueMax: number;
  outageMs: number;
  /** Normal traffic before each fault and after the last one. */
  warmupMs: number;
  fuzzCount: number;
  drainTimeoutMs: number;
  keepDir: boolean;
  /** collector-failover: collectors, partitions, lease TTL (default 3, 16, 5000 ms). */
  failover?: FailoverOptions;
  /** What the drill is doing now (the progress line of `npm run drill`). */
  onPhase?: (phase: string) => void;
}

export interface ScenarioResult {
  name: ScenarioName;
  rounds: number;
  published: number;
  /** PUBACKs the devices got from the broker (resends included). */
  acknowledged: number;
  stored: number;
  lost: number;
  /** Evicted from full device queues and never stored: reported apart from loss. */
  dropped: number;
  duplicates: number;
  unexpected: number;
  max_outage_ms: number;
  drain_ms: number;
  extra: Record<string, unknown>;
  problems: string[];
}

export async function runScenario(name: ScenarioName, o: DrillOptions): Promise<ScenarioResult> {
  if (name === 'collector-failover') return runFailover(o, o.failover);
  const dir = mkdtempSync(join(tmpdir(), `drill-${name}-`));
  const env = new DrillEnvironment(drillSettings(dir, o));
  const problems: string[] = [];
  const extra: Record<string, unknown> = {};
  let maxOutage = 0;
  let drainMs = -1;
  const phase = (what: string) => o.onPhase?.(what);
  try {
    phase('starting mosquitto, store, collector, devices');
    await env.start();
    if (name === 'fuzz') await env.startDashboard();
    phase('warm-up');
    await sleep(o.warmupMs);
    for (let round = 0; round < o.rounds; round++) {
      phase(`round ${round + 1}/${o.rounds}: fault`);
      const result = await ROUNDS[name]({ env, outageMs: o.outageMs, fuzzCount: o.fuzzCount });
      maxOutage = Math.max(maxOutage, result.outageMs);
      addUp(extra, result.extra ?? {});
      phase(`round ${round + 1}/${o.rounds}: recovering`);
      await sleep(o.warmupMs);
    }
    try {
      phase('draining the queues');
      drainMs = await env.drain(o.drainTimeoutMs);
    } catch (err) {
      problems.push(`did not drain: ${(err as Error).message}`);
    }
    if (!env.collector?.running) problems.push('the collector died');
    if (env.dashboard && !env.dashboard.running) problems.push('the dashboard died');
    phase('counting every reading');
    const acknowledged = env.acknowledged();
    const stored = await env.storedSeqs();
    const ledgers = env.ledgers();
    await env.stop();
    const t = tally(ledgers, stored);
    if (t.lost > 0) problems.push(`lost ${t.lost}: e.g. ${JSON.stringify(t.lostSamples)}`);
    if (t.duplicates > 0) problems.push(`${t.duplicates} readings stored twice`);
    if (t.unexpected > 0) problems.push(`${t.unexpected} stored readings nobody issued`);
    if (name === 'fuzz') checkFuzz(env, extra, problems);
    return {
      name,
      rounds: o.rounds,
      published: t.published,
      acknowledged,
      stored: t.stored,
      lost: t.lost,
      dropped: t.dropped,
      duplicates: t.duplicates,
      unexpected: t.unexpected,
      max_outage_ms: maxOutage,
      drain_ms: drainMs,
      extra,
      problems,
    };
  } finally {
    await env.stop().catch(() => {});
    if (!o.keepDir) rmSync(dir, { recursive: true, force: true });
  }
}

/** Every hostile message rejected and counted under the reason it deserved; the dashboard never failed. */
function checkFuzz(
  env: DrillEnvironment,
  extra: Record<string, unknown>,
  problems: string[],
): void {
  const stats = env.collectorStats();
  const counted = (stats?.rejected ?? {}) as Record<string, number>;
  const expected = (extra.expected_rejects ?? {}) as Record<string, number>;
  extra.rejected_by_reason = counted;
  for (const [reason, n] of Object.entries(expected)) {
    if (counted[reason] !== n)
      problems.push(
        `rejects "${reason}": expected ${n}, collector counted ${counted[reason] ?? 0}`,
      );
  }
  if (Number(extra.dashboard_polls_failed ?? 0) > 0)
    problems.push('the dashboard failed to answer during the fuzz');
}

/** Sums scenario figures over rounds: numbers add up, objects of numbers add up per key. */
export function addUp(total: Record<string, unknown>, round: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(round)) {
    const before = total[key];
    if (typeof value === 'number') total[key] = (typeof before === 'number' ? before : 0) + value;
    else if (value && typeof value === 'object') {
      const sum: Record<string, number> = { ...((before as Record<string, number>) ?? {}) };
      for (const [k, v] of Object.entries(value as Record<string, number>))
        sum[k] = (sum[k] ?? 0) + v;
      total[key] = sum;
    } else total[key] = value;
  }
}
