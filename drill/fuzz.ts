// Hostile MQTT traffic for the fuzz drill: every message breaks the contract, each with the reason it must get.
import type { RejectReason } from '../core/validate.js';

export interface HostileMessage {
  topic: string;
  payload: string | Buffer;
  retain: boolean;
  reason: RejectReason;
}

/** Seqs far above anything a drill issues: if one were stored, the tally reports it as unexpected. */
const FOREIGN_SEQ = 1_000_000_000_000;
const ONE_MB = Buffer.alloc(1024 * 1024, 'x');

type Maker = (deviceId: string, other: string, i: number, now: number) => HostileMessage;

const speed = (id: string) => `vehicles/${id}/speed`;
const iso = (ms: number) => new Date(ms).toISOString();
const valid = (id: string, i: number, now: number) => ({
  device_id: id,
  seq: FOREIGN_SEQ + i,
  timestamp: iso(now),
  speed: 50,
});
const json = (v: unknown) => JSON.stringify(v);
const msg = (
  topic: string,
  payload: string | Buffer,
  reason: RejectReason,
  retain = false,
): HostileMessage => ({
  topic,
  payload,
  retain,
  reason,
});

/** One maker per kind of breakage; the generator cycles through them. */
const MAKERS: Maker[] = [
  (d) => msg(speed(d), '{"device_id":"', 'invalid_json'),
  (d) => msg(speed(d), 'NaN', 'invalid_json'),
  (d, _o, i) =>
    msg(
      speed(d),
      `{"device_id":"${d}","seq":${FOREIGN_SEQ + i},"timestamp":"x","speed":NaN}`,
      'invalid_json',
    ),
  (d, _o, i) =>
    msg(speed(d), `{"device_id":"${d}","seq":${FOREIGN_SEQ + i},"speed":Infinity}`, 'invalid_json'),
  (d) => msg(speed(d), Buffer.from([0xff, 0xfe, 0x00, 0x01]), 'invalid_json'),
  (d) => msg(speed(d), '', 'invalid_json'),
  (d, _o, i, n) => msg(speed(d), json({ ...valid(d, i, n), speed: '50' }), 'invalid_fields'),
  (d, _o, i, n) => msg(speed(d), json({ ...valid(d, i, n), seq: `${i}` }), 'invalid_fields'),
  (d, _o, i, n) => msg(speed(d), json({ ...valid(d, i, n), seq: 1.5 }), 'invalid_fields'),
  (d, _o, i, n) => msg(speed(d), json({ ...valid(d, i, n), seq: -1 }), 'invalid_fields'),
  (d, _o, i, n) => msg(speed(d), json({ ...valid(d, i, n), seq: 2 ** 64 }), 'invalid_fields'),
  (d, _o, i, n) => msg(speed(d), json({ ...valid(d, i, n), seq: 1e300 }), 'invalid_fields'),
  (d, _o, i, n) =>
    msg(speed(d), json({ ...valid(d, i, n), timestamp: undefined }), 'invalid_fields'),
  (d, _o, i, n) =>
    msg(speed(d), json({ ...valid(d, i, n), timestamp: '2026-13-45T99:99:99Z' }), 'invalid_fields'),
  (d, _o, i, n) => msg(speed(d), json([valid(d, i, n)]), 'invalid_fields'),
  (d) => msg(speed(d), 'null', 'invalid_fields'),
  (d, _o, i) =>
    msg(
      speed(d),
      `{"device_id":"${d}","seq":${FOREIGN_SEQ + i},"timestamp":"2026-01-01T00:00:00Z","speed":1e999}`,
      'non_finite',
    ),
  (d, _o, i, n) => msg(speed(d), json({ ...valid(d, i, n), speed: -0.01 }), 'out_of_range'),
  (d, _o, i, n) => msg(speed(d), json({ ...valid(d, i, n), speed: 1e6 }), 'out_of_range'),
  (d, o, i, n) => msg(speed(d), json(valid(o, i, n)), 'device_mismatch'),
  (d, _o, i, n) =>
    msg(speed(d), json({ ...valid(d, i, n), timestamp: iso(n + 3_600_000) }), 'future_timestamp'),
  (d, _o, i, n) =>
    msg(
      speed(d),
      json({ ...valid(d, i, n), timestamp: '9999-12-31T23:59:59Z' }),
      'future_timestamp',
    ),
  (d, _o, i, n) => msg(`vehicles/${d}/temperature`, json(valid(d, i, n)), 'unknown_topic'),
  (d, _o, i, n) => msg(`vehicles/${d}/speed/extra`, json(valid(d, i, n)), 'unknown_topic'),
  (_d, _o, i, n) =>
    msg(
      `vehicles/<img src=x onerror=alert(${i})>/speed`,
      json(valid('x', i, n)),
      'invalid_device_id',
    ),
  (_d, _o, i, n) =>
    msg(`vehicles/${'z'.repeat(65)}/speed`, json(valid('z', i, n)), 'invalid_device_id'),
  (d, _o, i, n) => msg(speed(d), json({ ...valid(d, i, n), pad: 'p'.repeat(4100) }), 'too_large'),
  // Retained garbage on status topics (of devices that do not exist, so real statuses survive).
  (_d, _o, i) =>
    msg(
      `vehicles/fuzz_${i % 50}/status`,
      json({ device_id: `fuzz_${i % 50}`, status: 'pwned' }),
      'invalid_fields',
      true,
    ),
  (_d, _o, i) =>
    msg(`vehicles/fuzz_${i % 50}/status`, '<script>alert(1)</script>', 'invalid_json', true),
];

/**
 * At least `count` hostile messages aimed at `deviceIds` (real ones, so mismatches look real),
 * plus one 1 MB payload per 500 messages.
 */
export function hostileMessages(
  count: number,
  deviceIds: readonly string[],
  now: number,
): HostileMessage[] {
  const out: HostileMessage[] = [];
  for (let i = 0; out.length < count; i++) {
    const d = deviceIds[i % deviceIds.length] ?? 'vehicle_01';
    const other = deviceIds[(i + 1) % deviceIds.length] ?? 'vehicle_02';
    const make = MAKERS[i % MAKERS.length];
    if (make) out.push(make(d, other === d ? `${d}x` : other, i, now));
    if (i % 500 === 0) out.push(msg(speed(d), ONE_MB, 'too_large'));
  }
  return out;
}

/** Expected reject counts by reason. */
export function expectedRejects(
  messages: readonly HostileMessage[],
): Partial<Record<RejectReason, number>> {
  const counts: Partial<Record<RejectReason, number>> = {};
  for (const m of messages) counts[m.reason] = (counts[m.reason] ?? 0) + 1;
  return counts;
}

/** Topics that got retained garbage: cleared afterwards (an empty retained message, itself a reject). */
export function retainedTopics(messages: readonly HostileMessage[]): string[] {
  return [...new Set(messages.filter((m) => m.retain).map((m) => m.topic))];
}
