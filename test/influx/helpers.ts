// Building blocks for the InfluxDB end-to-end tests: config, known readings, mosquitto_pub loads, read-back.
import { spawn } from 'node:child_process';
import { openSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Config, ConfigOverrides } from '../../core/config.js';
import type { SpeedReading } from '../../core/contract.js';
import { InfluxStore } from '../../core/store/influx-store.js';
import type { InfluxdProcess } from '../../harness/influxd.js';
import { waitFor } from '../../harness/wait.js';
import { testConfig } from '../helpers/pipeline.js';

export function influxConfig(
  dir: string,
  brokerPort: number,
  influxUrl: string,
  overrides: ConfigOverrides = {},
): Config {
  return testConfig(dir, brokerPort, {
    STORE: 'influxdb',
    INFLUXDB_URL: influxUrl,
    INFLUXDB_BUCKET: 'vehicle-data',
    ...overrides,
  });
}

/** n readings of one device, 10 ms apart, ending an hour ago (never "in the future"). */
export function knownReadings(deviceId: string, n: number, endMs = Date.now() - 3_600_000) {
  const start = endMs - n * 10;
  return Array.from(
    { length: n },
    (_, seq): SpeedReading => ({
      device_id: deviceId,
      seq,
      timestamp: new Date(start + seq * 10).toISOString(),
      speed: Math.round(((seq * 7919) % 12_000) / 10) / 10,
    }),
  );
}

/**
 * Publishes readings at QoS 1 with one mosquitto_pub (the C client) and resolves when it has all
 * PUBACKs. Keep a load under 65,535 lines: past that, `mosquitto_pub -l` at QoS 1 stops early.
 */
export async function mosquittoPub(
  dir: string,
  port: number,
  readings: readonly SpeedReading[],
): Promise<void> {
  const first = readings[0];
  if (!first) return;
  if (readings.length > 60_000) throw new Error('split loads above 60,000 lines');
  const file = join(dir, `${first.device_id}-${first.seq}.jsonl`);
  writeFileSync(file, `${readings.map((r) => JSON.stringify(r)).join('\n')}\n`);
  const args = ['-h', '127.0.0.1', '-p', String(port), '-q', '1', '-l'];
  args.push('-t', `vehicles/${first.device_id}/speed`, '-i', `pub-${first.device_id}-${first.seq}`);
  const child = spawn('mosquitto_pub', args, { stdio: [openSync(file, 'r'), 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => {
    stderr += d.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`mosquitto_pub exited ${code}: ${stderr}`);
}

/** A read-only store on the same InfluxDB: what a dashboard (or a drill) would see. */
export async function influxReader(config: Config): Promise<InfluxStore> {
  const reader = new InfluxStore({ ...config.store.influx, readonly: true, timeoutMs: 5000 });
  await reader.start();
  return reader;
}

export async function seqsByDevice(
  reader: InfluxStore,
  deviceIds: readonly string[],
): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  for (const id of deviceIds) {
    const seqs = await reader.seqs(id);
    if (seqs.length > 0) out.set(id, seqs);
  }
  return out;
}

/** Points stored in influxd's database (one count query, cheap enough to poll). */
export async function influxdCount(influxd: InfluxdProcess, database: string): Promise<number> {
  try {
    const answer = (await influxd.query('SELECT count("seq") FROM "vehicle_speed"', database)) as {
      results?: Array<{ series?: Array<{ values?: number[][] }> }>;
    };
    return answer.results?.[0]?.series?.[0]?.values?.[0]?.[1] ?? 0;
  } catch {
    return 0; // influxd down or the database not there yet
  }
}

export async function waitForCount(
  count: () => Promise<number>,
  expected: number,
  timeoutMs = 60_000,
): Promise<number> {
  return waitFor(count, (n) => n >= expected, {
    timeoutMs,
    intervalMs: 100,
    what: `${expected} points stored`,
  });
}
