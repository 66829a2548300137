import { describe, expect, it } from 'vitest';
import { encodeReading } from '../../core/contract.js';
import { validateMessage } from '../../core/validate.js';

const NOW = Date.parse('2026-11-24T10:00:00.000Z');
const good = {
  device_id: 'vehicle_01',
  seq: 42,
  timestamp: '2026-11-24T10:00:00.123Z',
  speed: 63.25,
};
const bytes = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const check = (payload: unknown, topic = 'vehicles/vehicle_01/speed') =>
  validateMessage(topic, bytes(payload), NOW);

describe('validateMessage', () => {
  it('accepts the contract payload and returns the reading', () => {
    expect(check(encodeReading(good))).toEqual({ ok: true, kind: 'speed', reading: good });
  });

  it('accepts a status message', () => {
    const status = {
      device_id: 'vehicle_01',
      status: 'offline',
      timestamp: '2026-11-24T10:00:00Z',
    };
    expect(check(status, 'vehicles/vehicle_01/status')).toEqual({
      ok: true,
      kind: 'status',
      status,
    });
  });

  it.each([
    ['too_large', { ...good, pad: 'x'.repeat(5000) }, undefined],
    ['invalid_json', '{"device_id": "vehicle_01",', undefined],
    ['invalid_json', 'NaN', undefined],
    ['invalid_fields', [1, 2], undefined],
    ['invalid_fields', { ...good, seq: '42' }, undefined],
    ['invalid_fields', { ...good, seq: 4.5 }, undefined],
    ['invalid_fields', { ...good, seq: -1 }, undefined],
    ['invalid_fields', { ...good, seq: 2 ** 64 }, undefined],
    ['invalid_fields', { device_id: 'vehicle_01', seq: 1, speed: 3 }, undefined],
    ['invalid_fields', { ...good, timestamp: '2026-11-24 10:00' }, undefined],
    ['invalid_fields', { ...good, timestamp: '2026-11-24T10:00:00+02:00' }, undefined],
    [
      'non_finite',
      '{"device_id":"vehicle_01","seq":1,"timestamp":"2026-11-24T10:00:00Z","speed":1e999}',
      undefined,
    ],
    ['out_of_range', { ...good, speed: 300.01 }, undefined],
    ['out_of_range', { ...good, speed: -0.5 }, undefined],
    ['device_mismatch', { ...good, device_id: 'vehicle_02' }, undefined],
    ['future_timestamp', { ...good, timestamp: '2026-11-24T10:05:01Z' }, undefined],
    ['unknown_topic', good, 'vehicles/vehicle_01/temperature'],
    ['unknown_topic', good, 'vehicles/vehicle_01/speed/extra'],
    ['invalid_device_id', good, 'vehicles/<script>/speed'],
    [
      'invalid_fields',
      { device_id: 'vehicle_01', status: 'maybe', timestamp: good.timestamp },
      'vehicles/vehicle_01/status',
    ],
  ])('rejects %s (%#)', (reason, payload, topic) => {
    const result = check(payload, topic);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.reason).toBe(reason);
      expect(result.detail.length).toBeGreaterThan(0);
    }
  });

  it('allows a timestamp up to 5 minutes ahead', () => {
    expect(check({ ...good, timestamp: '2026-11-24T10:04:59Z' }).ok).toBe(true);
  });
});
