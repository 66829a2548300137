// CI's short form of the store, device and fuzz drills.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../drill/run.js';
import { SHORT } from './short.js';

describe('drills (short form)', { timeout: 150_000 }, () => {
  it.each([
    ['store-outage', 'sqlite'],
    ['store-outage', 'influxdb'],
    ['device-kill', 'sqlite'],
  ] as const)('%s on %s: nothing lost, nothing twice', async (name, store) => {
    const r = await runScenario(name, { ...SHORT, store });
    expect(r.problems).toEqual([]);
    expect(r.published).toBeGreaterThan(50);
    expect(r).toMatchObject({ lost: 0, duplicates: 0, unexpected: 0, stored: r.published });
    if (name === 'device-kill') expect(Number(r.extra.backlog_at_kill)).toBeGreaterThan(10);
  });

  it('fuzz: 10,000+ hostile messages all rejected by reason, none stored, none of the valid lost', async () => {
    const r = await runScenario('fuzz', SHORT);
    expect(r.problems).toEqual([]);
    expect(Number(r.extra.hostile_sent)).toBeGreaterThanOrEqual(10_000);
    const counted = r.extra.rejected_by_reason as Record<string, number>;
    expect(Object.values(counted).reduce((a, b) => a + b, 0)).toBe(r.extra.hostile_sent);
    expect(r).toMatchObject({ lost: 0, duplicates: 0, unexpected: 0, stored: r.published });
    expect(Number(r.extra.dashboard_polls_ok)).toBeGreaterThan(3);
    expect(r.extra.dashboard_polls_failed).toBe(0);
  });
});
