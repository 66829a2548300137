// Writes through the official client's WriteApi (/api/v2/write: InfluxDB 1.8+, 2.x, 3.x, Cloud, VictoriaMetrics).
import { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import { InfluxDB, Point, type WriteApi } from '@influxdata/influxdb-client';
import type { InfluxPoint } from './influx-points.js';
import { type PointWriter, SerialWrites, WRITE_CHUNK } from './influx-writer.js';
import { DEVICE_TAG, MEASUREMENT } from './influxql.js';

export interface V2WriterOptions {
  url: string;
  token: string | undefined;
  org: string;
  bucket: string;
  timeoutMs: number;
}

export function toClientPoint(p: InfluxPoint): Point {
  const point = new Point(MEASUREMENT).tag(DEVICE_TAG, p.deviceId).intField('seq', p.seq);
  for (const key in p.values) {
    const v = p.values[key];
    if (typeof v === 'number') point.floatField(key, v);
    else if (typeof v === 'boolean') point.booleanField(key, v);
  }
  if (p.flag !== null) point.intField('pos_flag', p.flag);
  return point.timestamp(p.timeNs);
}

/**
 * The WriteApi is tuned so that a write() resolves exactly when InfluxDB answered 2xx for its
 * points, and rejects otherwise; the collector holds the PUBACKs and does the retrying:
 * - flush() after each chunk: the collector already batches, so waiting for the client's timer
 *   (flushInterval, 60 s by default) would only add latency. flushInterval 1 s is a backstop.
 * - batchSize above the chunk size: the buffer never flushes on its own in the middle of a write(),
 *   which would send a request whose outcome nobody awaits.
 * - maxRetries 0: no background retry buffer that could keep (or after maxRetryTime drop) lines
 *   the collector already considers failed; memory stays bounded while InfluxDB is down.
 * - writeFailed records the error so that the write() that owns the lines rejects with it.
 */
export class V2Writer implements PointWriter {
  private api: WriteApi | undefined;
  private agent: HttpAgent | undefined;
  private failure: Error | undefined;
  private readonly serial = new SerialWrites();

  constructor(private readonly options: V2WriterOptions) {}

  private writeApi(): WriteApi {
    if (this.api) return this.api;
    const { url, token, org, bucket, timeoutMs } = this.options;
    // Our own keep-alive agent, so stop() can close its sockets.
    this.agent = url.startsWith('https:')
      ? new HttpsAgent({ keepAlive: true })
      : new HttpAgent({ keepAlive: true });
    const record = (error: Error) => {
      this.failure ??= error;
    };
    this.api = new InfluxDB({
      url,
      token,
      timeout: timeoutMs,
      transportOptions: { agent: this.agent },
    }).getWriteApi(org, bucket, 'ns', {
      batchSize: WRITE_CHUNK + 1,
      flushInterval: 1000,
      maxRetries: 0,
      writeFailed: record,
    });
    return this.api;
  }

  write(points: readonly InfluxPoint[]): Promise<void> {
    return this.serial.run(async () => {
      const api = this.writeApi();
      for (let i = 0; i < points.length; i += WRITE_CHUNK) {
        this.failure = undefined;
        api.writePoints(points.slice(i, i + WRITE_CHUNK).map(toClientPoint));
        await api.flush();
        if (this.failure) throw this.failure;
      }
    });
  }

  /** Into the bucket (2.x/3.x have no retention policies: the bucket's retention applies). */
  writeLines(lines: readonly string[], _retentionPolicy: string | undefined): Promise<void> {
    return this.serial.run(async () => {
      const api = this.writeApi();
      for (let i = 0; i < lines.length; i += WRITE_CHUNK) {
        this.failure = undefined;
        api.writeRecords(lines.slice(i, i + WRITE_CHUNK) as string[]);
        await api.flush();
        if (this.failure) throw this.failure;
      }
    });
  }

  async close(): Promise<void> {
    await this.serial.idle();
    const api = this.api;
    this.api = undefined;
    if (api) await api.close().catch(() => {});
    this.agent?.destroy();
    this.agent = undefined;
  }
}
