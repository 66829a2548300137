// InfluxDB line protocol for our points (the 1.x /write path); escaping comes from the official client.
import { escape as lp } from '@influxdata/influxdb-client';
import type { InfluxPoint } from './influx-points.js';
import { DEVICE_TAG, MEASUREMENT } from './influxql.js';

const PREFIX = `${lp.measurement(MEASUREMENT)},${lp.tag(DEVICE_TAG)}=`;

/** `vehicle_speed,device_id=<id> seq=<int>i,speed=<float> <ns>` (fields sorted, as the client does). */
export function pointLine(p: InfluxPoint): string {
  if (!Number.isFinite(p.speed)) throw new RangeError(`speed must be finite, got ${p.speed}`);
  if (!Number.isSafeInteger(p.seq) || p.seq < 0) throw new RangeError(`invalid seq ${p.seq}`);
  if (!/^-?\d+$/.test(p.timeNs)) throw new RangeError(`invalid time ${p.timeNs}`);
  return `${PREFIX}${lp.tag(p.deviceId)} seq=${p.seq}i,speed=${p.speed} ${p.timeNs}`;
}

/**
 * Many points as one /write body: pointLine's checks, with each device's escaped tag computed
 * once per body (the collector's hot path) and the time checked as the digits pointTimeNs makes.
 */
export function pointLines(points: readonly InfluxPoint[]): string {
  const prefixes = new Map<string, string>();
  const lines: string[] = new Array(points.length);
  for (let i = 0; i < points.length; i++) {
    const p = points[i] as InfluxPoint;
    if (!Number.isFinite(p.speed)) throw new RangeError(`speed must be finite, got ${p.speed}`);
    if (!Number.isSafeInteger(p.seq) || p.seq < 0) throw new RangeError(`invalid seq ${p.seq}`);
    let prefix = prefixes.get(p.deviceId);
    if (prefix === undefined) {
      prefix = `${PREFIX}${lp.tag(p.deviceId)} seq=`;
      prefixes.set(p.deviceId, prefix);
    }
    lines[i] = `${prefix}${p.seq}i,speed=${p.speed} ${p.timeNs}`;
  }
  return lines.join('\n');
}
