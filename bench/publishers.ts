// The ingest load: 10 mosquitto_pub processes sending pre-generated QoS 1 readings (speed-only or full telemetry), one vehicle each.
import { spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  encodeReading,
  encodeTelemetry,
  type Reading,
  speedTopic,
  telemetryTopic,
} from '../core/contract.js';
import { BUILTIN_SIGNALS } from '../core/signals/catalog.js';

/**
 * mosquitto_pub -l at QoS >= 1 stops silently after ~3k messages once its input passes 65,535
 * lines (packet ids wrap), so a publisher's readings are split into files of at most this many
 * lines, each sent by its own mosquitto_pub, one after the other.
 */
export const MAX_LINES_PER_PUBLISHER = 60_000;

/** `speed`: `vehicles/{id}/speed` as before the catalog; `telemetry`: every built-in signal. */
export type PayloadKind = 'speed' | 'telemetry';

export interface Load {
  kind: PayloadKind;
  publishers: number;
  perPublisher: number;
  /** Per publisher, its files in send order. */
  files: string[][];
  deviceIds: string[];
  /** Mean payload size in bytes. */
  payloadBytes: number;
}

export const topicOf = (kind: PayloadKind, deviceId: string): string =>
  kind === 'speed' ? speedTopic(deviceId) : telemetryTopic(deviceId);

/** The subscription that sees every reading of a load (for consumers that only count). */
export const loadFilter = (kind: PayloadKind): string => `vehicles/+/${kind}`;

const round = (v: number, digits: number) => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * A vehicle driving north-east at 1 Hz, every built-in signal with the precision a tracker sends
 * (INTERFACE.md's example): positions that integrate speed, a growing odometer, falling fuel.
 */
export function telemetryReading(deviceId: string, v: number, seq: number, time: number): Reading {
  const speed = round(30 + ((seq * 7 + v * 13) % 900) / 10, 2);
  const metres = seq * 15; // ~54 km/h on average
  return {
    device_id: deviceId,
    seq,
    timestamp: new Date(time).toISOString(),
    values: {
      speed,
      lat: round(52.4 + v * 0.01 + metres / 111_320 / 1.4, 6),
      lon: round(13.3 + metres / 68_000 / 1.4, 6),
      alt: 34 + (seq % 20),
      acc: 3 + (seq % 7),
      heading: round(45 + ((seq % 90) - 45) / 10, 1),
      ignition: true,
      odometer_km: round(12_000 + v * 1000 + metres / 1000, 2),
      fuel_pct: round(90 - ((seq / 400) % 80), 1),
      battery_v: round(13.8 + (seq % 7) / 10, 1),
      battery_pct: 80 + (seq % 20),
      coolant_c: 85 + (seq % 8),
      rpm: 800 + ((seq * 37) % 3000),
    },
  };
}

function payloads(kind: PayloadKind, id: string, v: number, count: number, now: number): string[] {
  if (kind === 'speed') {
    // One timestamp for all, as the speed load always had (figures stay comparable).
    const timestamp = new Date(now).toISOString();
    return Array.from({ length: count }, (_, seq) =>
      encodeReading({ device_id: id, seq, timestamp, speed: 40 + (seq % 50) }),
    );
  }
  // One reading a second, the last a second ago: no reading from the future, rollups over hours.
  const start = now - count * 1000;
  return Array.from({ length: count }, (_, seq) => {
    const r = telemetryReading(id, v, seq, start + seq * 1000);
    // "Full payloads": a signal added to the catalog must be added here too.
    const missing = BUILTIN_SIGNALS.find((s) => r.values[s.key] === undefined);
    if (missing) throw new Error(`bench telemetry load lacks ${missing.name}`);
    return encodeTelemetry(r);
  });
}

export function writeLoad(
  dir: string,
  publishers: number,
  perPublisher: number,
  kind: PayloadKind = 'speed',
): Load {
  const now = Date.now();
  const deviceIds = Array.from(
    { length: publishers },
    (_, i) => `bench_${String(i + 1).padStart(2, '0')}`,
  );
  let bytes = 0;
  const files = deviceIds.map((id, v) => {
    const lines = payloads(kind, id, v, perPublisher, now);
    for (const l of lines) bytes += Buffer.byteLength(l);
    const out: string[] = [];
    for (let i = 0; i < lines.length; i += MAX_LINES_PER_PUBLISHER) {
      const file = join(dir, `${kind}-${id}-${out.length}.txt`);
      writeFileSync(file, `${lines.slice(i, i + MAX_LINES_PER_PUBLISHER).join('\n')}\n`);
      out.push(file);
    }
    return out;
  });
  return {
    kind,
    publishers,
    perPublisher,
    files,
    deviceIds,
    payloadBytes: Math.round(bytes / (publishers * perPublisher)),
  };
}

function publishFile(file: string, topic: string, clientId: string, port: number): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const child = spawn(
      'mosquitto_pub',
      ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-i', clientId, '-t', topic, '-l'],
      { stdio: [openSync(file, 'r'), 'ignore', 'inherit'] },
    );
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`mosquitto_pub exited ${code}`)),
    );
  });
}

/** Starts every publisher at once (each sends its files in order); resolves when all are done. */
export function publish(load: Load, port: number): Promise<void> {
  return Promise.all(
    load.deviceIds.map(async (id, i) => {
      for (const file of load.files[i] ?? []) {
        await publishFile(file, topicOf(load.kind, id), `pub_${id}`, port);
      }
    }),
  ).then(() => undefined);
}
