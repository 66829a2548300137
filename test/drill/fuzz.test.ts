import { describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG } from '../../core/signals/catalog.js';
import { validateInbound } from '../../core/validate.js';
import { expectedRejects, hostileMessages } from '../../drill/fuzz.js';

describe('fuzz messages', () => {
  it('are at least 10,000, span every reject reason, and each gets exactly its expected reason', () => {
    const now = Date.now();
    const messages = hostileMessages(10_000, ['vehicle_01', 'vehicle_02', 'vehicle_03'], now);
    expect(messages.length).toBeGreaterThanOrEqual(10_000);
    for (const m of messages) {
      const payload = typeof m.payload === 'string' ? Buffer.from(m.payload) : m.payload;
      const result = validateInbound(m.topic, payload, now, BUILTIN_CATALOG);
      expect(result.ok, `${m.topic} ${payload.subarray(0, 80).toString()}`).toBe(false);
      if (!result.ok)
        expect(result.reason, `${m.topic} ${payload.subarray(0, 80).toString()}`).toBe(m.reason);
    }
    expect(Object.keys(expectedRejects(messages)).sort()).toEqual([
      'device_mismatch',
      'future_timestamp',
      'invalid_device_id',
      'invalid_fields',
      'invalid_json',
      'non_finite',
      'out_of_range',
      'too_large',
      'unknown_topic',
    ]);
    expect(messages.filter((m) => m.payload.length >= 1024 * 1024).length).toBeGreaterThanOrEqual(
      20,
    );
    expect(messages.some((m) => m.retain && m.topic.endsWith('/status'))).toBe(true);
  });
});
