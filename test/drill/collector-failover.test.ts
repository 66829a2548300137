// CI's short form of `npm run drill -- collector-failover`, run as npm runs it: 3 collector processes, one SIGKILLed for good, one added.
import { describe, expect, it } from 'vitest';
import { ProgramProcess } from '../../harness/program.js';

const SHORT_ARGS = [
  'collector-failover',
  '--rounds',
  '1',
  '--devices',
  '6',
  '--warmup',
  '1500',
  '--partitions',
  '8',
  '--lease-ttl',
  '3000',
  '--json',
];

describe('collector-failover drill (short form)', { timeout: 180_000 }, () => {
  it('on InfluxDB: nothing lost, every watermark right, every rollup tier counts each reading once', async () => {
    // A reading stored twice lands on the same point; the rollups, which add every write, show it.
    const drill = ProgramProcess.fromNpmScript('drill', [...SHORT_ARGS, '--store', 'influxdb'], {});
    drill.start();
    const code = await drill.exited();
    const report = JSON.parse(drill.stdout) as { scenarios: Array<Record<string, unknown>> };
    const r = report.scenarios[0] ?? {};
    expect(r.problems).toEqual([]);
    expect(code).toBe(0);
    expect(Number(r.published)).toBeGreaterThan(500);
    expect(r).toMatchObject({ lost: 0, duplicates: 0, unexpected: 0, stored: r.published });
    expect(r.watermarks_ok).toBe(true);
    expect(r.rollups_ok).toBe(true);
    expect(r.rollup_devices).toBe(6);
    expect(Number(r.failover_ms)).toBeLessThan(10_000);
    // The killed collector's partitions changed owner: 2 live collectors after the kill.
    expect(Object.keys(r.partitions_after_kill as object)).toHaveLength(2);
  });

  it('nothing lost, nothing twice, every watermark at the last seq, failover under 10 s, rebalanced', async () => {
    const drill = ProgramProcess.fromNpmScript('drill', SHORT_ARGS, {});
    drill.start();
    const code = await drill.exited();
    const report = JSON.parse(drill.stdout) as { scenarios: Array<Record<string, unknown>> };
    const r = report.scenarios[0] ?? {};
    expect(r.problems).toEqual([]);
    expect(code).toBe(0);
    expect(Number(r.published)).toBeGreaterThan(500);
    expect(r).toMatchObject({ lost: 0, duplicates: 0, unexpected: 0, stored: r.published });
    expect(r.watermarks_ok).toBe(true);
    expect(Number(r.failover_ms)).toBeGreaterThan(0);
    expect(Number(r.failover_ms)).toBeLessThan(10_000);
    // Rebalanced after the kill (2 live) and after the add (3 live): every partition held, fairly.
    const after = r.partitions_after_add as Record<string, number>;
    expect(Object.values(after).reduce((a, b) => a + b, 0)).toBe(8);
    expect(Object.keys(after)).toHaveLength(3);
    for (const n of Object.values(after)) {
      expect(n).toBeGreaterThan(0);
      expect(n).toBeLessThanOrEqual(3); // ceil(8 / 3)
    }
  });
});
