// Per-vehicle lines at fleet scale (LogDigest): each at debug, one summary per period at its level, naming a few vehicles.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LogDigest } from '../../core/log-digest.js';

function capture() {
  const lines: Array<Record<string, unknown>> = [];
  const out = new Writable({
    write(chunk, _enc, done) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l));
      done();
    },
  });
  return { log: pino({ level: 'debug' }, out), lines };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('LogDigest', () => {
  it('1,000 vehicles with a sequence gap: 1,000 debug lines with their fields, two warn lines', async () => {
    vi.useFakeTimers();
    const { log, lines } = capture();
    const digest = new LogDigest(log, {
      message: 'sequence gaps: readings missing so far',
      level: 'warn',
      now: () => Date.now(),
    });
    for (let i = 0; i < 1000; i++) {
      digest.add(`vehicle_${i}`, 'gaps', 'sequence gap: readings missing so far', {
        from: 0,
        to: 6,
      });
    }
    await vi.advanceTimersByTimeAsync(5000);
    const debug = lines.filter((l) => l.level === 20);
    expect(debug).toHaveLength(1000);
    expect(debug[7]).toMatchObject({ deviceId: 'vehicle_7', from: 0, to: 6 });
    const warn = lines.filter((l) => l.level === 40);
    expect(warn).toEqual([
      expect.objectContaining({ gaps: 1, examples: { gaps: ['vehicle_0'] } }),
      expect.objectContaining({
        msg: 'sequence gaps: readings missing so far',
        gaps: 999,
        examples: { gaps: ['vehicle_1', 'vehicle_2', 'vehicle_3', 'vehicle_4', 'vehicle_5'] },
      }),
    ]);
    expect(lines).toHaveLength(1002);
  });

  it('fleet events (no vehicle) are summed by weight and name nobody; a vehicle is named once', () => {
    vi.useFakeTimers();
    const { log, lines } = capture();
    const digest = new LogDigest(log, { message: 'gaps filled by late readings', now: Date.now });
    digest.add(undefined, 'readings', 'gaps filled by late readings', { readings: 15 }, 15);
    digest.add(undefined, 'readings', 'gaps filled by late readings', { readings: 20 }, 20);
    digest.add('a', 'resending', 'resending');
    digest.add('a', 'resending', 'resending');
    digest.flush();
    digest.flush();
    const info = lines.filter((l) => l.level === 30);
    expect(info).toEqual([
      expect.objectContaining({ readings: 15, examples: {} }),
      expect.objectContaining({ readings: 20, resending: 2, examples: { resending: ['a'] } }),
    ]);
  });
});
