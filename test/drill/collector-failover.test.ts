// CI's short form of `npm run drill -- collector-failover`, run as npm runs it: 3 collector processes, one SIGKILLed for good, one added.
import { describe, expect, it } from 'vitest';
import { ProgramProcess } from '../../harness/program.js';

describe('collector-failover drill (short form)', { timeout: 180_000 }, () => {
  it('nothing lost, nothing twice, every watermark at the last seq, failover under 10 s, rebalanced', async () => {
    const args = [
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
    const drill = ProgramProcess.fromNpmScript('drill', args, {});
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
