// The ingest load: 10 mosquitto_pub processes sending pre-generated QoS 1 readings, one vehicle each.
import { spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { encodeReading } from '../core/contract.js';

/**
 * mosquitto_pub -l at QoS >= 1 stops silently after ~3k messages once its input passes 65,535
 * lines (packet ids wrap), so each publisher gets fewer lines than that.
 */
export const MAX_LINES_PER_PUBLISHER = 60_000;

export interface Load {
  publishers: number;
  perPublisher: number;
  files: string[];
  deviceIds: string[];
  /** The topic's last level (default `speed`; `telemetry` for readings with positions). */
  topic?: 'speed' | 'telemetry';
}

export function writeLoad(dir: string, publishers: number, perPublisher: number): Load {
  if (perPublisher > MAX_LINES_PER_PUBLISHER)
    throw new Error(`at most ${MAX_LINES_PER_PUBLISHER} lines per publisher`);
  const timestamp = new Date().toISOString();
  const deviceIds = Array.from(
    { length: publishers },
    (_, i) => `bench_${String(i + 1).padStart(2, '0')}`,
  );
  const files = deviceIds.map((id) => {
    const lines = Array.from({ length: perPublisher }, (_, seq) =>
      encodeReading({ device_id: id, seq, timestamp, speed: 40 + (seq % 50) }),
    );
    const file = join(dir, `${id}.txt`);
    writeFileSync(file, `${lines.join('\n')}\n`);
    return file;
  });
  return { publishers, perPublisher, files, deviceIds };
}

/** Starts every publisher at once; resolves when all exited. */
export function publish(load: Load, port: number): Promise<void> {
  return Promise.all(
    load.deviceIds.map(
      (id, i) =>
        new Promise<void>((resolve, reject) => {
          const child = spawn(
            'mosquitto_pub',
            [
              '-h',
              '127.0.0.1',
              '-p',
              String(port),
              '-q',
              '1',
              '-i',
              `pub_${id}`,
              '-t',
              `vehicles/${id}/${load.topic ?? 'speed'}`,
              '-l',
            ],
            { stdio: [openSync(load.files[i] ?? '', 'r'), 'ignore', 'inherit'] },
          );
          child.once('error', reject);
          child.once('exit', (code) =>
            code === 0 ? resolve() : reject(new Error(`mosquitto_pub exited ${code}`)),
          );
        }),
    ),
  ).then(() => undefined);
}
