// The collector's Prometheus metrics: totals read from collector.totals() at each scrape, two histograms observed on the write path.
import { Histogram, type Registry } from 'prom-client';
import type { Reading } from '../core/contract.js';
import { timestampMs } from '../core/iso-time.js';
import { CountingHistogram } from '../core/metrics/counting-histogram.js';
import {
  counterFrom,
  gaugeFrom,
  labelledCounterFrom,
  oncePerScrape,
} from '../core/metrics/read-at-scrape.js';
import type { CollectorTotals } from './collector.js';
import type { IngestObserver } from './ingest.js';

/** Store write durations: SQLite commits take a millisecond or two, a slow InfluxDB seconds. */
export const WRITE_BUCKETS = [
  0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10,
];
/**
 * Reading timestamp to durable storage: milliseconds live, up to hours for a backlog a vehicle
 * replays after an outage, a day for one that was off the network.
 */
export const LAG_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 21_600, 86_400,
];

/**
 * The histograms of the write path, observed once per batch: the write's duration, and per reading
 * the lag from its timestamp (device clock) to the commit. A device clock ahead of ours (up to the
 * 5 minutes validation allows) would give a negative lag: counted as 0.
 */
export function ingestHistograms(registry: Registry): IngestObserver {
  const write = new Histogram({
    name: 'telemetry_collector_store_write_duration_seconds',
    help: 'Duration of successful store writes (one per batch of readings)',
    buckets: WRITE_BUCKETS,
    registers: [registry],
  });
  const lag = new CountingHistogram(
    'telemetry_collector_ingest_lag_seconds',
    "Time from a reading's timestamp (device clock) to its durable storage, per reading written",
    LAG_BUCKETS,
  ).register(registry);
  return {
    written(seconds: number, readings: readonly Reading[], at: number): void {
      write.observe(seconds);
      for (const r of readings) {
        const ms = at - timestampMs(r.timestamp);
        lag.observe(ms > 0 ? ms / 1000 : 0);
      }
    },
  };
}

/** Everything else, read from the collector's own counters when Prometheus scrapes. */
export function collectorMetrics(
  registry: Registry,
  collector: { totals(): CollectorTotals },
): void {
  const t = oncePerScrape(() => collector.totals());
  const c = (name: string, help: string, read: (t: CollectorTotals) => number) =>
    counterFrom(registry, { name: `telemetry_collector_${name}`, help }, () => read(t()));
  const g = (name: string, help: string, read: (t: CollectorTotals) => number) =>
    gaugeFrom(registry, { name: `telemetry_collector_${name}`, help }, () => read(t()));

  c(
    'messages_received_total',
    'MQTT messages received (every topic, rejects included)',
    (x) => x.received,
  );
  c('readings_stored_total', 'Readings durably stored for the first time', (x) => x.stored);
  c(
    'readings_duplicate_total',
    'Readings the store already had (resends, redeliveries)',
    (x) => x.duplicates,
  );
  labelledCounterFrom(
    registry,
    {
      name: 'telemetry_collector_messages_rejected_total',
      help: 'Messages rejected (acknowledged, never stored), by reason',
      label: 'reason',
    },
    () => t().rejected,
  );
  labelledCounterFrom(
    registry,
    {
      name: 'telemetry_collector_signals_invalid_total',
      help: 'Signal values dropped from accepted readings (wrong type, non-finite, out of range), by signal',
      label: 'signal',
    },
    () => t().invalidSignals,
  );
  c(
    'signals_unknown_total',
    'Keys of accepted readings that are no signal of the catalog (ignored)',
    (x) => x.unknownSignals,
  );
  g(
    'pending_pubacks',
    'Messages received whose PUBACK waits for their batch to be durable',
    (x) => x.pending,
  );
  c(
    'store_write_failures_total',
    'Store writes that failed (each is retried with backoff)',
    (x) => x.writeFailures,
  );
  c('acks_sent_total', 'End-to-end acks published to devices', (x) => x.acksSent);
  c(
    'sequence_gaps_opened_total',
    'Sequence gaps opened (readings missing so far)',
    (x) => x.gapsOpened,
  );
  c(
    'readings_gap_filled_total',
    'Readings that arrived late and filled a gap',
    (x) => x.gapsFilled,
  );
  g('readings_missing', 'Seqs missing in open gaps over every device', (x) => x.missing);
  g(
    'alarms_open',
    'Alarms not cleared (open or acknowledged), evaluated by this collector',
    (x) => x.extensions.alarms?.active ?? 0,
  );
  c(
    'alarm_notifications_sent_total',
    'Alarm notices delivered (webhook 2xx or SMTP accepted)',
    (x) => x.extensions.alarms?.notificationsSent ?? 0,
  );
  c(
    'alarm_notifications_failed_total',
    'Alarm notice deliveries that failed (retried from the outbox)',
    (x) => x.extensions.alarms?.notificationFailures ?? 0,
  );
  c(
    'readings_declared_dropped_total',
    'Seqs devices declared evicted from their full queues, never stored',
    (x) => x.declaredDropped,
  );
  g('broker_connected', '1 while the MQTT connection is up', (x) => (x.connected ? 1 : 0));
  c(
    'reconnects_total',
    'Times the MQTT connection came back after the first connect',
    (x) => x.reconnects,
  );
  g('devices', 'Devices the collector tracks', (x) => x.deviceCount);
  c(
    'retention_deleted_rows_total',
    'Rows deleted by retention (raw readings and rollups)',
    (x) => x.retention?.deleted ?? 0,
  );
  c('retention_passes_total', 'Completed retention passes', (x) => x.retention?.passes ?? 0);
  c('retention_failures_total', 'Retention passes that failed', (x) => x.retention?.failures ?? 0);
  g(
    'retention_longest_step_seconds',
    'Longest single retention step so far (ingest waits behind it)',
    (x) => (x.retention?.longestStepMs ?? 0) / 1000,
  );
}
