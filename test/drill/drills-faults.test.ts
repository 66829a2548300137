// CI's short form of the broker and collector drills: real Mosquitto, collector and devices processes.
import { describe, expect, it } from 'vitest';
import { runScenario } from '../../drill/run.js';
import { SHORT } from './short.js';

describe('drills (short form)', { timeout: 150_000 }, () => {
  it.each(['broker-stop', 'broker-kill', 'collector-kill'] as const)(
    '%s: nothing lost, nothing twice',
    async (name) => {
      const r = await runScenario(name, SHORT);
      expect(r.problems).toEqual([]);
      expect(r.published).toBeGreaterThan(50);
      expect(r).toMatchObject({
        lost: 0,
        duplicates: 0,
        dropped: 0,
        unexpected: 0,
        stored: r.published,
      });
      expect(r.max_outage_ms).toBeGreaterThanOrEqual(1000);
      expect(r.drain_ms).toBeGreaterThanOrEqual(0);
    },
  );

  it('broker down longer than a tiny queue covers: oldest readings dropped and reported apart from loss', async () => {
    const r = await runScenario('broker-stop', { ...SHORT, queueMax: 20, outageMs: 1500 });
    expect(r.problems).toEqual([]);
    expect(r.dropped).toBeGreaterThan(3 * 20);
    expect(r.lost).toBe(0);
    expect(r.stored + r.dropped).toBe(r.published);
  });
});
