// The collector-failover drill: 3 collectors share the vehicles; one is SIGKILLed for good, later one is added; every reading accounted for.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep } from '../harness/wait.js';
import { tally } from './accounting.js';
import { ClusterEnvironment } from './cluster-environment.js';
import { drillSettings } from './environment.js';
import type { DrillOptions, ScenarioResult } from './run.js';

export interface FailoverOptions {
  collectors: number;
  partitions: number;
  leaseTtlMs: number;
}

export const DEFAULT_FAILOVER: FailoverOptions = {
  collectors: 3,
  partitions: 16,
  leaseTtlMs: 5000,
};

export async function runFailover(
  o: DrillOptions,
  f: FailoverOptions = DEFAULT_FAILOVER,
): Promise<ScenarioResult> {
  const dir = mkdtempSync(join(tmpdir(), 'drill-collector-failover-'));
  const env = new ClusterEnvironment(drillSettings(dir, o), f);
  const problems: string[] = [];
  const extra: Record<string, unknown> = {};
  const phase = (what: string) => o.onPhase?.(what);
  let failoverMs = -1;
  let drainMs = -1;
  const killed = new Set<string>();
  try {
    phase(`starting redis, mosquitto, store, ${f.collectors} collectors, devices`);
    await env.start();
    extra.partitions_at_start = await env.spread();
    phase('warm-up');
    await sleep(o.warmupMs);
    for (let round = 0; round < o.rounds; round++) {
      // The collector holding the most partitions: the worst case.
      const spread = await env.spread();
      const live = env.live().sort((a, b) => (spread[b.id] ?? 0) - (spread[a.id] ?? 0));
      const victim = live[0];
      if (!victim || live.length < 2) break;
      killed.add(victim.id);
      phase(`round ${round + 1}/${o.rounds}: SIGKILL ${victim.id} for good`);
      const since = await env.mark();
      const killedAt = Date.now();
      await victim.proc.kill('SIGKILL');
      await env.waitOwned(60_000, since);
      failoverMs = Math.max(failoverMs, Date.now() - killedAt);
      extra.partitions_after_kill = await env.spread();
      await sleep(o.warmupMs);
      phase(`round ${round + 1}/${o.rounds}: adding a collector`);
      const added = env.addCollector();
      const addedAt = Date.now();
      // Rebalanced: the newcomer serves its share and every partition is served.
      await env.waitBalanced();
      if ((await env.spread())[added.id] === 0) problems.push('the added collector took nothing');
      extra.rebalance_ms = Math.max(Number(extra.rebalance_ms ?? 0), Date.now() - addedAt);
      extra.partitions_after_add = await env.spread();
      await sleep(o.warmupMs);
    }
    try {
      phase('draining the queues');
      drainMs = await env.drain(o.drainTimeoutMs);
    } catch (err) {
      problems.push(`did not drain: ${(err as Error).message}`);
    }
    if (env.live().length < f.collectors) {
      // Which one, and what it said last: a death nobody caused must be explainable from the report.
      const dead = env.members.filter((m) => !m.proc.running && !killed.has(m.id));
      problems.push(
        `a collector died on its own: ${dead
          .map((m) => `${m.id}: ${m.proc.stderr.slice(-600).replace(/\s+/g, ' ')}`)
          .join(' | ')}`,
      );
    }
    phase('counting every reading');
    const acknowledged = env.acknowledged();
    const stored = await env.storedSeqs();
    const ledgers = env.ledgers();
    const watermarks = await env.watermarks();
    if (env.influx) {
      // After a clean stop every collector has flushed: each tier must count every reading once.
      await env.stopCollectors();
      const counts = await env.rollupCounts();
      const off = [...counts].filter(([, c]) => c.oneMinute !== c.raw || c.oneHour !== c.raw);
      extra.rollups_ok = off.length === 0 && counts.size > 0;
      extra.rollup_devices = counts.size;
      if (off.length > 0 || counts.size === 0) {
        problems.push(
          `rollups disagree with raw points: ${off
            .slice(0, 5)
            .map(([id, c]) => `${id} raw ${c.raw} 1m ${c.oneMinute} 1h ${c.oneHour}`)
            .join(', ')}`,
        );
      }
    }
    await env.stop();
    const t = tally(ledgers, stored);
    const wrong = ledgers.filter((l) => (watermarks.get(l.deviceId) ?? -1) !== l.nextSeq - 1);
    extra.watermarks_ok = wrong.length === 0;
    extra.failover_ms = failoverMs;
    if (wrong.length > 0) {
      problems.push(
        `watermarks short of the last seq: ${wrong
          .slice(0, 5)
          .map((l) => `${l.deviceId} ${watermarks.get(l.deviceId)}/${l.nextSeq - 1}`)
          .join(', ')}`,
      );
    }
    if (t.lost > 0) problems.push(`lost ${t.lost}: e.g. ${JSON.stringify(t.lostSamples)}`);
    if (t.duplicates > 0) problems.push(`${t.duplicates} readings stored twice`);
    if (t.unexpected > 0) problems.push(`${t.unexpected} stored readings nobody issued`);
    if (failoverMs >= 10_000) problems.push(`failover took ${failoverMs} ms (limit 10 s)`);
    return {
      name: 'collector-failover',
      rounds: o.rounds,
      published: t.published,
      acknowledged,
      stored: t.stored,
      lost: t.lost,
      dropped: t.dropped,
      duplicates: t.duplicates,
      unexpected: t.unexpected,
      max_outage_ms: failoverMs,
      drain_ms: drainMs,
      extra,
      problems,
    };
  } finally {
    await env.stop().catch(() => {});
    if (!o.keepDir) rmSync(dir, { recursive: true, force: true });
  }
}
