// Status changes at fleet scale: one info line per period however many vehicles change, every change at debug.
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { StatusDigest } from '../../core/status-digest.js';

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

describe('StatusDigest', () => {
  it('1,000 vehicles coming online: 1,000 debug lines, two info lines (the first change, then the rest)', async () => {
    vi.useFakeTimers();
    const { log, lines } = capture();
    const digest = new StatusDigest(log, { now: () => Date.now(), everyMs: 5000 });
    for (let i = 0; i < 1000; i++) digest.change(`vehicle_${i}`, 'online');
    vi.advanceTimersByTime(5000);
    await vi.runAllTimersAsync();
    const info = lines.filter((l) => l.level === 30);
    expect(lines.filter((l) => l.level === 20)).toHaveLength(1000);
    expect(info).toHaveLength(2);
    expect(info[0]).toMatchObject({ msg: 'vehicles changed status', online: 1 });
    expect(info[1]).toMatchObject({ online: 999 });
    expect(info[1]?.examples).toMatchObject({ online: expect.any(Array) });
    expect((info[1]?.examples as { online: string[] } | undefined)?.online).toHaveLength(5);
  });

  it('counts each status; flush prints what is pending', () => {
    vi.useFakeTimers();
    const { log, lines } = capture();
    const digest = new StatusDigest(log, { now: () => Date.now(), everyMs: 5000 });
    digest.change('a', 'offline');
    digest.change('b', 'online');
    digest.change('c', 'offline');
    digest.flush();
    const info = lines.filter((l) => l.level === 30);
    expect(info).toEqual([
      expect.objectContaining({ offline: 1 }),
      expect.objectContaining({
        online: 1,
        offline: 1,
        examples: { online: ['b'], offline: ['c'] },
      }),
    ]);
  });
});
