import { describe, expect, it } from 'vitest';
import { encodeReading, readingOfSpeed } from '../../core/contract.js';
import { BUILTIN_CATALOG } from '../../core/signals/catalog.js';
import { acceptReading, validateMessage, validateReadingValue } from '../../core/validate.js';

const NOW = Date.parse('2026-11-24T10:00:00.000Z');
const good = {
  device_id: 'vehicle_01',
  seq: 42,
  timestamp: '2026-11-24T10:00:00.123Z',
  speed: 63.25,
};
const bytes = (v: unknown) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v));
const check = (payload: unknown, topic = 'vehicles/vehicle_01/speed') =>
  validateMessage(topic, bytes(payload), NOW, BUILTIN_CATALOG);

describe('validateMessage', () => {
  it('accepts the contract payload and returns the reading', () => {
    expect(check(encodeReading(good))).toEqual({
      ok: true,
      kind: 'reading',
      reading: readingOfSpeed(good),
      time: Date.parse(good.timestamp),
      notes: [],
    });
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

describe('acceptReading (the fast path) agrees with the schema path', () => {
  const slow = (payload: Record<string, unknown>, topicId = 'vehicle_01') =>
    validateMessage(
      `vehicles/${topicId}/speed`,
      Buffer.from(JSON.stringify({ ...payload, pad: undefined })),
      NOW,
      BUILTIN_CATALOG,
    );

  it.each([
    good,
    { ...good, timestamp: '2026-11-24T10:00:00Z' },
    { ...good, timestamp: '2026-11-24T10:00:00.123456789Z' },
    { ...good, timestamp: '2024-02-29T23:59:59.999Z' },
    { ...good, speed: 0 },
    { ...good, speed: 300 },
    { ...good, seq: 0 },
    { ...good, seq: Number.MAX_SAFE_INTEGER },
    { ...good, extra: 'ignored' },
  ])('accepts what the schema accepts, with the same reading (%#)', (payload) => {
    const fast = acceptReading(payload, 'vehicle_01', NOW);
    const schema = slow(payload);
    expect(schema.ok).toBe(true);
    expect(fast && readingOfSpeed(fast)).toEqual(
      schema.ok && schema.kind === 'reading' ? schema.reading : 'not ok',
    );
  });

  it.each([
    { ...good, timestamp: '2026-02-30T10:00:00Z' },
    { ...good, timestamp: '2026-13-01T10:00:00Z' },
    { ...good, timestamp: '2026-11-24T24:00:00Z' },
    { ...good, timestamp: '2026-11-24T10:00:60Z' },
    { ...good, timestamp: '2026-11-24T10:00:00+00:00' },
    { ...good, timestamp: '2026-11-24T10:00:00.Z' },
    { ...good, timestamp: ' 2026-11-24T10:00:00Z' },
    { ...good, timestamp: '2026-11-24T10:10:00Z' },
    { ...good, seq: 1.5 },
    { ...good, seq: -1 },
    { ...good, seq: 2 ** 53 },
    { ...good, seq: '1' },
    { ...good, speed: -0.01 },
    { ...good, speed: 300.01 },
    { ...good, speed: '5' },
    { ...good, device_id: 'vehicle_02' },
    { device_id: 'vehicle_01', seq: 1, speed: 3 },
  ])('leaves every reject to the schema path, which rejects it (%#)', (payload) => {
    expect(acceptReading(payload, 'vehicle_01', NOW)).toBeUndefined();
    expect(slow(payload).ok).toBe(false);
  });

  it('matches the schema on 5,000 random readings, valid and near-valid', () => {
    let accepted = 0;
    for (let i = 0; i < 5000; i++) {
      const ms = NOW - Math.floor(Math.random() * 1e10) + (i % 7 === 0 ? 400_000 : 0);
      const iso = new Date(ms).toISOString();
      const payload = {
        device_id: i % 11 === 0 ? 'vehicle_02' : 'vehicle_01',
        seq: i % 13 === 0 ? -i : i,
        timestamp: i % 17 === 0 ? iso.replace('Z', '+00:00') : iso,
        speed: (i % 19) * 17 - 10,
      };
      const fast = acceptReading(payload, 'vehicle_01', NOW);
      const schema = slow(payload);
      expect(fast !== undefined, JSON.stringify(payload)).toBe(schema.ok);
      if (fast) accepted += 1;
    }
    expect(accepted).toBeGreaterThan(1000);
  });
});

describe('validateReadingValue (readings without a topic: import, HTTP ingest)', () => {
  it('accepts the contract payload', () => {
    expect(validateReadingValue(good, NOW, BUILTIN_CATALOG)).toEqual({
      ok: true,
      reading: readingOfSpeed(good),
      notes: [],
    });
    expect(validateReadingValue({ ...good, extra: 1 }, NOW, BUILTIN_CATALOG)).toEqual({
      ok: true,
      reading: readingOfSpeed(good),
      notes: [{ reason: 'unknown_signal', signal: 'extra' }],
    });
  });

  it.each([
    ['invalid_fields', null],
    ['invalid_fields', [good]],
    ['invalid_fields', { ...good, seq: '42' }],
    ['invalid_fields', { ...good, seq: -1 }],
    ['invalid_fields', { ...good, timestamp: '2026-11-24T10:00:00+02:00' }],
    ['invalid_fields', { ...good, timestamp: '2026-02-30T10:00:00Z' }],
    ['invalid_fields', { seq: 1, timestamp: good.timestamp, speed: 1 }],
    ['invalid_fields', { ...good, device_id: 7 }],
    ['invalid_device_id', { ...good, device_id: '<script>' }],
    ['invalid_device_id', { ...good, device_id: '' }],
    ['non_finite', { ...good, speed: Number.POSITIVE_INFINITY }],
    ['non_finite', { ...good, speed: Number.NaN }],
    ['out_of_range', { ...good, speed: 300.5 }],
    ['future_timestamp', { ...good, timestamp: '2026-11-24T10:05:01Z' }],
  ])('rejects %s (%#)', (reason, value) => {
    const result = validateReadingValue(value, NOW, BUILTIN_CATALOG);
    expect(result).toMatchObject({ ok: false, reason });
  });

  it("gives the MQTT path's verdict for every payload the MQTT path would see", () => {
    for (let i = 0; i < 2000; i++) {
      const payload = {
        device_id: 'vehicle_01',
        seq: i % 13 === 0 ? -i : i,
        timestamp: new Date(NOW - (i % 5) * 1e9 + (i % 7 === 0 ? 400_000 : 0)).toISOString(),
        speed: (i % 19) * 17 - 10,
      };
      const mqtt = check(payload);
      const plain = validateReadingValue(payload, NOW, BUILTIN_CATALOG);
      expect(plain.ok).toBe(mqtt.ok);
      if (!plain.ok && !mqtt.ok) expect(plain.reason).toBe(mqtt.reason);
    }
  });
});
