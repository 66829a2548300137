// Builds a large InfluxDB store quickly: raw points as big line-protocol bodies, rollups by SELECT INTO, a checkpoint.
import { checkpointLine, pointNs } from '../../core/store/influx-checkpoint.js';
import { pointTimeNs } from '../../core/store/influx-points.js';
import {
  createRetentionPolicyStatement,
  MEASUREMENT_1H,
  MEASUREMENT_1M,
  RP_1H,
  RP_1M,
  RP_COVERAGE,
} from '../../core/store/influx-tier-ql.js';
import type { InfluxdProcess } from '../../harness/influxd.js';

export interface InfluxFill {
  database: string;
  deviceId: string;
  /** Readings seq 0..count-1, one every intervalMs, the last at `end`. */
  count: number;
  intervalMs: number;
  end: number;
  /**
   * The checkpoint vouches for seqs 0..checkpointed-1 only: the rest is what a collector killed
   * before its next flush leaves behind, for the next start to read back.
   */
  checkpointed: number;
  /** Raw points only, as a version before checkpoints and rollups wrote them. */
  legacy?: boolean;
}

/** How long each part took (ms). */
export interface FillTimes {
  rawMs: number;
  rollupsMs: number;
}

/** Speeds as the SQLite fill makes them: a cheap deterministic wave in 0..120. */
export const fillSpeed = (seq: number) => ((seq * 7919) % 12_000) / 100;

const LINES_PER_BODY = 100_000;

async function post(url: string, body: string): Promise<void> {
  const res = await fetch(url, { method: 'POST', body });
  if (!res.ok) throw new Error(`influxd ${res.status}: ${await res.text()}`);
  await res.arrayBuffer();
}

/**
 * What the collector would have written, without going through it: 100,000 lines per /write, two
 * requests in flight (influxd parses one while the next arrives); then both rollup tiers computed
 * by influxd itself (SELECT INTO, nothing travels) and the coverage checkpoint.
 */
export async function fillInfluxStore(influxd: InfluxdProcess, o: InfluxFill): Promise<FillTimes> {
  const db = o.database;
  const t0 = performance.now();
  await influxd.query(`CREATE DATABASE "${db}"`);
  const start = o.end - (o.count - 1) * o.intervalMs;
  const prefix = `vehicle_speed,device_id=${o.deviceId} seq=`;
  const inFlight: Array<Promise<void>> = [];
  for (let i = 0; i < o.count; i += LINES_PER_BODY) {
    const lines: string[] = [];
    for (let seq = i; seq < Math.min(o.count, i + LINES_PER_BODY); seq++) {
      const ns = pointTimeNs(start + seq * o.intervalMs, seq);
      lines.push(`${prefix}${seq}i,speed=${fillSpeed(seq)} ${ns}`);
    }
    inFlight.push(post(`${influxd.url}/write?db=${db}&precision=ns`, lines.join('\n')));
    if (inFlight.length >= 2) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const t1 = performance.now();
  if (o.legacy) return { rawMs: t1 - t0, rollupsMs: 0 };
  for (const rp of [RP_1M, RP_1H, RP_COVERAGE]) {
    await influxd.query(createRetentionPolicyStatement(db, rp, 0));
  }
  const where = `WHERE time >= ${start - 3_600_000}ms AND time <= ${o.end + 3_600_000}ms`;
  const fields = (raw: boolean) =>
    raw
      ? 'count("speed") AS "count", sum("speed") AS "sum", min("speed") AS "min", max("speed") AS "max"'
      : 'sum("count") AS "count", sum("sum") AS "sum", min("min") AS "min", max("max") AS "max"';
  await influxd.query(
    `SELECT ${fields(true)} INTO "${db}"."${RP_1M}"."${MEASUREMENT_1M}" FROM "${db}"."autogen"."vehicle_speed" ${where} GROUP BY time(1m), "device_id" fill(none)`,
  );
  await influxd.query(
    `SELECT ${fields(false)} INTO "${db}"."${RP_1H}"."${MEASUREMENT_1H}" FROM "${db}"."${RP_1M}"."${MEASUREMENT_1M}" ${where} GROUP BY time(1h), "device_id" fill(none)`,
  );
  const last = o.checkpointed - 1;
  const line = checkpointLine(o.deviceId, {
    coverage: { watermark: last, highest: last, above: [] },
    scan: pointNs(start + o.checkpointed * o.intervalMs, o.checkpointed),
    lastSeen: start + last * o.intervalMs,
    at: Math.floor(o.end / 86_400_000) * 86_400_000,
  });
  await post(`${influxd.url}/write?db=${db}&rp=${RP_COVERAGE}&precision=ns`, line);
  return { rawMs: t1 - t0, rollupsMs: performance.now() - t1 };
}
