// The OsmAnd decoder against the documented formats: query/form parameters (Traccar Client before 9), timestamps in s, ms and ISO, knots; the JSON body of Traccar Client 9+.
import { describe, expect, it } from 'vitest';
import { BUILTIN_CATALOG } from '../../core/signals/catalog.js';
import { cleanValues } from '../../gateway/fix.js';
import { decodeOsmand, parseTimestamp } from '../../gateway/osmand.js';

const NOW = Date.UTC(2026, 11, 6, 10, 0, 0);

function params(query: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [k, v] of new URLSearchParams(query)) out.set(k, [...(out.get(k) ?? []), v]);
  return out;
}

const decode = (query: string) => decodeOsmand({ params: params(query), now: NOW });
const decodeJson = (json: unknown, query = '') =>
  decodeOsmand({ params: params(query), json, now: NOW });

describe('OsmAnd parameters', () => {
  it('decodes what the Traccar Client app sends (seconds, knots, %)', () => {
    // traccar-client-android ProtocolFormatter: id, timestamp (s), lat, lon, speed (kn), bearing, altitude, accuracy, batt
    const r = decode(
      'id=phone_1&timestamp=1765015200&lat=52.52001&lon=13.40495&speed=10&bearing=271.5&altitude=34&accuracy=5&batt=87',
    );
    expect(r).toEqual({
      ok: true,
      deviceId: 'phone_1',
      fixes: [
        {
          fixMs: 1765015200_000,
          values: {
            lat: 52.52001,
            lon: 13.40495,
            speed: 18.52,
            heading: 271.5,
            alt: 34,
            acc: 5,
            battery_pct: 87,
          },
        },
      ],
    });
  });

  it('takes deviceid for id, ms and ISO timestamps, and no timestamp as now', () => {
    const ms = decode('deviceid=t1&timestamp=1765015200123&lat=1&lon=2');
    expect(ms.ok && ms.fixes[0]?.fixMs).toBe(1765015200123);
    expect(ms.ok && ms.deviceId).toBe('t1');
    const iso = decode('id=t1&timestamp=2026-12-06T10:00:00.250Z&lat=1&lon=2');
    expect(iso.ok && iso.fixes[0]?.fixMs).toBe(Date.UTC(2026, 11, 6, 10, 0, 0, 250));
    const zoned = decode('id=t1&timestamp=2026-12-06T11:00:00%2B01:00&lat=1&lon=2');
    expect(zoned.ok && zoned.fixes[0]?.fixMs).toBe(Date.UTC(2026, 11, 6, 10));
    const spaced = decode('id=t1&timestamp=2026-12-06+10:00:00&lat=1&lon=2');
    expect(spaced.ok && spaced.fixes[0]?.fixMs).toBe(Date.UTC(2026, 11, 6, 10));
    const none = decode('id=t1&lat=1&lon=2');
    expect(none.ok && none.fixes[0]?.fixMs).toBe(NOW);
    expect(parseTimestamp('1765015200.5')).toBe(1765015200500);
  });

  it('takes location=lat,lon and signal-named extras', () => {
    const r = decode('id=t1&location=52.5,13.4&ignition=true&fuel_pct=40');
    expect(r.ok && r.fixes[0]?.values).toEqual({
      lat: 52.5,
      lon: 13.4,
      ignition: true,
      fuel_pct: 40,
    });
  });

  it('refuses non-numeric values, repeated ones and a missing id, naming the parameter', () => {
    expect(decode('id=t1&lat=abc&lon=2')).toEqual({ ok: false, reason: 'lat: not a number' });
    expect(decode('id=t1&lat=1&lon=0x10')).toEqual({ ok: false, reason: 'lon: not a number' });
    expect(decode('id=t1&lat=1&lon=2&speed=NaN')).toEqual({
      ok: false,
      reason: 'speed: not a number',
    });
    expect(decode('id=t1&lat=1e999&lon=2')).toEqual({
      ok: false,
      reason: 'lat: not a finite number',
    });
    expect(decode('lat=1&lon=2')).toEqual({ ok: false, reason: 'id: missing' });
    expect(decode('id=a&id=b&lat=1&lon=2')).toEqual({ ok: false, reason: 'id given 2 times' });
    expect(decode('id=t1&timestamp=yesterday')).toMatchObject({ ok: false });
    expect(decode('id=t1&ignition=maybe')).toEqual({
      ok: false,
      reason: 'ignition: not true/false',
    });
  });
});

describe('Traccar Client 9+ JSON', () => {
  const body = {
    location: {
      timestamp: '2026-12-06T09:59:58.500Z',
      coords: {
        latitude: 52.52001,
        longitude: 13.40495,
        accuracy: 4.2,
        speed: 10,
        heading: 90,
        altitude: 34.5,
      },
      is_moving: true,
      odometer: 1234,
      battery: { level: 0.57, is_charging: false },
      activity: { type: 'in_vehicle' },
    },
    device_id: 'phone_2',
  };

  it('decodes location.coords: speed m/s to km/h, battery 0–1 to %', () => {
    expect(decodeJson(body)).toEqual({
      ok: true,
      deviceId: 'phone_2',
      fixes: [
        {
          fixMs: Date.UTC(2026, 11, 6, 9, 59, 58, 500),
          values: {
            lat: 52.52001,
            lon: 13.40495,
            speed: 36,
            heading: 90,
            alt: 34.5,
            acc: 4.2,
            battery_pct: 57,
          },
        },
      ],
    });
  });

  it('treats -1 (unknown) speed, heading and battery as absent, and takes a batch of locations', () => {
    const unknown = {
      device_id: 'p',
      location: [
        { timestamp: 1, coords: { latitude: 1, longitude: 2, speed: -1, heading: -1 } },
        { timestamp: 2, coords: { latitude: 1, longitude: 2 }, battery: { level: -1 } },
      ],
    };
    const r = decodeJson(unknown);
    expect(r.ok && r.fixes).toEqual([
      { fixMs: 1000, values: { lat: 1, lon: 2 } },
      { fixMs: 2000, values: { lat: 1, lon: 2 } },
    ]);
  });

  it('refuses wrong types with the field path', () => {
    expect(decodeJson({ ...body, location: { coords: { latitude: '52' } } })).toEqual({
      ok: false,
      reason: 'location.coords.latitude: not a number',
    });
    expect(decodeJson({ location: body.location })).toEqual({
      ok: false,
      reason: 'device_id: missing',
    });
    expect(decodeJson([1, 2])).toEqual({ ok: false, reason: 'body: not a JSON object' });
    expect(decodeJson({ device_id: 'x' })).toEqual({ ok: false, reason: 'location: missing' });
  });
});

describe('values the collector would drop are dropped here too', () => {
  it('drops out-of-range signals, a half position and position details without one', () => {
    const r = cleanValues(BUILTIN_CATALOG, {
      lat: 91,
      lon: 13,
      alt: 30,
      speed: 400,
      battery_pct: 57,
      heading: 360,
      nonsense: 1,
    });
    expect(r.values).toEqual({ battery_pct: 57 });
    expect(r.dropped.sort()).toEqual(['alt', 'heading', 'lat', 'lon', 'nonsense', 'speed']);
    expect(cleanValues(BUILTIN_CATALOG, { lat: 1, lon: 2, heading: 360 }).values).toEqual({
      lat: 1,
      lon: 2,
      heading: 0,
    });
  });
});
