import { describe, expect, it } from 'vitest';
import { tally } from '../../drill/accounting.js';

describe('drill tally', () => {
  it('tells stored, lost, dropped (evicted), duplicates and unexpected apart', () => {
    const t = tally(
      [
        { deviceId: 'a', nextSeq: 10, evicted: [[0, 2]] },
        { deviceId: 'b', nextSeq: 5, evicted: [] },
      ],
      new Map([
        ['a', [1, 3, 4, 5, 5, 6, 8, 9, 12]], // 0,2 evicted+missing; 7 lost; 5 twice; 12 never issued
        ['b', [0, 1, 2, 3, 4]],
        ['intruder', [0, 1]],
      ]),
    );
    expect(t).toEqual({
      published: 15,
      stored: 7 + 5,
      lost: 1,
      dropped: 2,
      duplicates: 1,
      unexpected: 1 + 2,
      lostSamples: { a: [7] },
    });
  });
});

describe('drill figures over rounds', () => {
  it('add up numbers and per-key counts', async () => {
    const { addUp } = await import('../../drill/run.js');
    const total: Record<string, unknown> = {};
    addUp(total, {
      hostile_sent: 10,
      expected_rejects: { invalid_json: 3, too_large: 1 },
      flag: true,
    });
    addUp(total, { hostile_sent: 5, expected_rejects: { invalid_json: 2 } });
    expect(total).toEqual({
      hostile_sent: 15,
      expected_rejects: { invalid_json: 5, too_large: 1 },
      flag: true,
    });
  });
});
