// Loads for the geo benchmarks: vehicles driving and parking (telemetry with positions), 100 geofences around them, a month of one vehicle's fixes.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeTelemetry, type Reading } from '../core/contract.js';
import type { GeofenceBody } from '../core/geo-wire.js';
import { destination } from '../geo/distance.js';
import { rng } from '../harness/random.js';
import type { Load } from './publishers.js';

const CENTER = { lat: 52.52, lon: 13.405 };

/** One sample of a simulated drive. */
export interface DriveSample {
  seq: number;
  time: number;
  lat: number;
  lon: number;
  speed: number;
  heading: number;
  ignition: boolean;
}

/**
 * One vehicle at 1 Hz ending at `end`: 4 minutes driving at 30-60 km/h with a slowly turning
 * heading, then a minute parked with 5 m of GPS jitter, and again (a trip every 5 minutes).
 * Visits each sample without keeping them (a month is 2.6 million).
 */
export function drive(
  count: number,
  end: number,
  seed: number,
  visit: (s: DriveSample) => void,
): void {
  const random = rng(seed);
  let pos = destination(CENTER.lat, CENTER.lon, random() * 360, random() * 3000);
  let heading = random() * 360;
  for (let seq = 0; seq < count; seq++) {
    const phase = seq % 300;
    const driving = phase < 240;
    const speed = driving ? 30 + 30 * Math.abs(Math.sin(seq / 40)) : 0;
    if (driving) {
      heading = (heading + (random() - 0.5) * 10 + 360) % 360;
      pos = destination(pos.lat, pos.lon, heading, speed / 3.6);
    }
    const fix = driving ? pos : destination(pos.lat, pos.lon, random() * 360, random() * 5);
    visit({
      seq,
      time: end - (count - seq) * 1000,
      lat: fix.lat,
      lon: fix.lon,
      speed: Math.round(speed * 10) / 10,
      heading: Math.round(heading),
      ignition: driving || phase < 250,
    });
  }
}

export function readingOfDrive(deviceId: string, s: DriveSample): Reading {
  return {
    device_id: deviceId,
    seq: s.seq,
    timestamp: new Date(s.time).toISOString(),
    values: {
      speed: s.speed,
      lat: s.lat,
      lon: s.lon,
      heading: s.heading,
      ignition: s.ignition,
      fuel_pct: 80 - s.seq / 1000,
    },
  };
}

/** Telemetry for mosquitto_pub -l: one file per vehicle, timestamps ending a minute ago. */
export function writeTelemetryLoad(dir: string, publishers: number, perPublisher: number): Load {
  const end = Date.now() - 60_000;
  const deviceIds = Array.from(
    { length: publishers },
    (_, i) => `geo_${String(i + 1).padStart(2, '0')}`,
  );
  let bytes = 0;
  const files = deviceIds.map((id, i) => {
    const lines: string[] = [];
    drive(perPublisher, end, i + 1, (d) => lines.push(encodeTelemetry(readingOfDrive(id, d))));
    const text = `${lines.join('\n')}\n`;
    bytes += Buffer.byteLength(text) - lines.length;
    const file = join(dir, `${id}.txt`);
    writeFileSync(file, text);
    // One file per publisher: below mosquitto_pub's 65,535-line limit (perPublisher is capped).
    return [file];
  });
  return {
    kind: 'telemetry',
    publishers,
    perPublisher,
    files,
    deviceIds,
    payloadBytes: Math.round(bytes / Math.max(1, publishers * perPublisher)),
  };
}

/** 50 circles and 50 polygons of 50 vertices over the area the vehicles drive in. */
export function hundredZones(): GeofenceBody[] {
  const random = rng(99);
  return Array.from({ length: 100 }, (_, i) => {
    const c = destination(CENTER.lat, CENTER.lon, random() * 360, random() * 6000);
    const r = 150 + random() * 600;
    if (i % 2 === 0) {
      return {
        id: i + 1,
        name: `zone ${i + 1}`,
        shape: { type: 'circle', center: [c.lon, c.lat], radius_m: r },
      };
    }
    const ring = Array.from({ length: 49 }, (_, k) => {
      const p = destination(c.lat, c.lon, (k / 49) * 360, r * (0.8 + 0.2 * Math.sin(k)));
      return [p.lon, p.lat];
    });
    ring.push(ring[0] as number[]);
    return {
      id: i + 1,
      name: `zone ${i + 1}`,
      shape: { type: 'Polygon', coordinates: [ring] },
      ...(i % 4 === 1 ? { speed_limit_kmh: 30 } : {}),
    };
  });
}
