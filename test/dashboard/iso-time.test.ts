// The export's timestamp text is exactly Date#toISOString's, row after row, whatever the times.
import { describe, expect, it } from 'vitest';
import { IsoTime } from '../../dashboard/readings/iso-time.js';

describe('IsoTime', () => {
  it('formats like toISOString: a month at 1 Hz, random times, minute edges, before 1970, past 9999', () => {
    const iso = new IsoTime();
    const wrong: string[] = [];
    const check = (ms: number) => {
      const want = new Date(ms).toISOString();
      if (iso.format(ms) !== want) wrong.push(`${ms}: ${iso.format(ms)} != ${want}`);
    };
    const start = Date.parse('2026-10-31T23:59:58.997Z');
    for (let i = 0; i < 30 * 86_400; i += 11) check(start + i * 1000 + (i % 1000));
    for (let i = 0; i < 20_000; i++) check(Math.floor(Math.random() * 4e12) - 1e12);
    for (const ms of [
      0, -1, 59_999, 60_000, -60_000, -60_001, 253_402_300_799_999, 253_402_300_800_000,
      -62_167_219_200_000, -62_167_219_200_001, 8.64e15, -8.64e15,
    ]) {
      check(ms);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  });
});
