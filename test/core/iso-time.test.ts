import { describe, expect, it } from 'vitest';
import { parseIsoUtc } from '../../core/iso-time.js';

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$/;

/** What the validation did before parseIsoUtc: the regex, Date.parse, and the print-back check. */
function reference(s: string): number | undefined {
  if (!ISO_UTC.test(s)) return undefined;
  const ms = Date.parse(s);
  if (Number.isNaN(ms)) return undefined;
  return new Date(ms).toISOString().slice(0, 19) === s.slice(0, 19) ? ms : undefined;
}

const pad = (n: number, width: number) => String(n).padStart(width, '0');

describe('parseIsoUtc', () => {
  it.each([
    ['2026-11-24T10:00:00Z', Date.UTC(2026, 10, 24, 10)],
    ['2026-11-24T10:00:00.1Z', Date.UTC(2026, 10, 24, 10) + 100],
    ['2026-11-24T10:00:00.123456789Z', Date.UTC(2026, 10, 24, 10) + 123],
    ['2024-02-29T23:59:59.999Z', Date.UTC(2024, 1, 29, 23, 59, 59, 999)],
    ['0000-01-01T00:00:00Z', Date.parse('0000-01-01T00:00:00Z')],
    ['1969-12-31T23:59:59.999Z', -1],
    ['9999-12-31T23:59:59.999Z', Date.parse('9999-12-31T23:59:59.999Z')],
  ])('reads %s', (s, ms) => {
    expect(parseIsoUtc(s)).toBe(ms);
  });

  it.each([
    '2026-02-29T10:00:00Z',
    '1900-02-29T10:00:00Z',
    '2026-13-01T10:00:00Z',
    '2026-00-01T10:00:00Z',
    '2026-04-31T10:00:00Z',
    '2026-11-24T24:00:00Z',
    '2026-11-24T10:60:00Z',
    '2026-11-24T10:00:60Z',
    '2026-11-24T10:00:00.Z',
    '2026-11-24T10:00:00.1234567890Z',
    '2026-11-24T10:00:00+00:00',
    '2026-11-24 10:00:00Z',
    '2026-11-24T10:00:00z',
    ' 2026-11-24T10:00:00Z',
    '+2026-11-24T10:00:00Z',
    '2026-1-24T10:00:00Z',
    '２026-11-24T10:00:00Z',
    '',
  ])('refuses %j', (s) => {
    expect(parseIsoUtc(s)).toBeUndefined();
    expect(reference(s)).toBeUndefined();
  });

  it('agrees with the regex + Date.parse + print-back check on 50,000 near-valid strings', () => {
    let accepted = 0;
    const differ: string[] = [];
    const pick = (max: number) => Math.floor(Math.random() * max);
    for (let i = 0; i < 50_000; i++) {
      const fraction = pick(11);
      let s =
        `${pad(pick(10_000), 4)}-${pad(pick(14), 2)}-${pad(pick(33), 2)}T${pad(pick(26), 2)}:` +
        `${pad(pick(62), 2)}:${pad(pick(62), 2)}` +
        `${fraction === 0 ? '' : `.${pad(pick(10 ** Math.min(fraction, 9)), fraction)}`}Z`;
      if (i % 10 === 0) {
        const at = pick(s.length);
        s = s.slice(0, at) + '0-T:.Z9 x'[pick(9)] + s.slice(at + 1);
      }
      const got = parseIsoUtc(s);
      if (got !== reference(s)) differ.push(s);
      if (got !== undefined) accepted += 1;
    }
    expect(differ).toEqual([]);
    expect(accepted).toBeGreaterThan(10_000);
  });
});
