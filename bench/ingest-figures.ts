// The ingest suite's figures: medians of each consumer's rate, CPU and RSS, and the ratios to the MQTT.js ceiling and to mosquitto_sub.
import type { BrokerSetup, IngestRun } from './ingest.js';
import type { Load } from './publishers.js';
import { median, ratio, round } from './stats.js';

export interface IngestRuns {
  mqttjs: IngestRun[];
  mosquittoSub: IngestRun[];
  sqlite: IngestRun[];
  influx: IngestRun[];
}

const med = (runs: IngestRun[], pick: (r: IngestRun) => number | undefined) =>
  median(runs.map((r) => pick(r) ?? 0));

/**
 * `ceiling_msgs_per_s` is the bare MQTT.js subscriber (the goal's baseline: the same client
 * library the collector uses, doing nothing but count); `ratio_*_mosquitto_sub` compare with the C
 * client. Every ratio is of medians from the same interleaved runs.
 */
export function ingestFigures(
  load: Load,
  runs: IngestRuns,
  setup: BrokerSetup,
): Record<string, number> {
  const rate = (r: IngestRun[]) => med(r, (x) => x.msgsPerS);
  const ceiling = rate(runs.mqttjs);
  const sub = rate(runs.mosquittoSub);
  const out: Record<string, number> = {
    readings: load.publishers * load.perPublisher,
    payload_bytes: load.payloadBytes,
    max_inflight: setup.maxInflight,
    ceiling_msgs_per_s: round(ceiling),
    mosquitto_sub_msgs_per_s: round(sub),
    sqlite_msgs_per_s: round(rate(runs.sqlite)),
    ratio_sqlite: ratio(rate(runs.sqlite), ceiling),
    ratio_sqlite_mosquitto_sub: ratio(rate(runs.sqlite), sub),
  };
  if (runs.influx.length > 0) {
    out.influxdb_msgs_per_s = round(rate(runs.influx));
    out.ratio_influxdb = ratio(rate(runs.influx), ceiling);
    out.ratio_influxdb_mosquitto_sub = ratio(rate(runs.influx), sub);
  }
  out.ceiling_cores = round(med(runs.mqttjs, (r) => r.cores));
  out.sqlite_cores = round(med(runs.sqlite, (r) => r.cores));
  if (runs.influx.length > 0) out.influxdb_cores = round(med(runs.influx, (r) => r.cores));
  out.ceiling_cpu_us_per_reading = round(med(runs.mqttjs, (r) => r.cpuUsPerReading));
  out.sqlite_cpu_us_per_reading = round(med(runs.sqlite, (r) => r.cpuUsPerReading));
  if (runs.influx.length > 0) {
    out.influxdb_cpu_us_per_reading = round(med(runs.influx, (r) => r.cpuUsPerReading));
  }
  out.ceiling_rss_mb = round(med(runs.mqttjs, (r) => r.rssMb));
  out.sqlite_rss_mb = round(med(runs.sqlite, (r) => r.rssMb));
  return out;
}
