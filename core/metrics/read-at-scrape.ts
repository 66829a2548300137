// Counters and gauges whose value is read from a program's own counters at each scrape, not incremented in hot paths.
import { Counter, Gauge, type Registry } from 'prom-client';

export interface MetricText {
  name: string;
  help: string;
}

/**
 * `read()` once per scrape, however many metrics of the scrape use it (e.g. one `totals()` for
 * twenty counters): prom-client calls every collect callback back to back, synchronously, so the
 * value only has to live until the next microtask. Not a time-based cache: that answered a scrape
 * with an earlier scrape's values (a moment's pending count, seen again by the next scrape).
 */
export function oncePerScrape<T>(read: () => T): () => T {
  let cached: { value: T } | undefined;
  return () => {
    if (!cached) {
      cached = { value: read() };
      queueMicrotask(() => {
        cached = undefined;
      });
    }
    return cached.value;
  };
}

/**
 * A counter mirroring a running total the program already keeps (e.g. `collector.totals()`): the
 * hot path stays free of metric calls, and a scrape costs one read. The total restarts at 0 with
 * the process, which Prometheus' rate() treats as a counter reset.
 */
export function counterFrom(registry: Registry, text: MetricText, read: () => number): void {
  new Counter({
    ...text,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(Math.max(0, read()));
    },
  });
}

/** A counter per label value (a bounded set: reasons, tiers; never device ids). */
export function labelledCounterFrom<L extends string>(
  registry: Registry,
  text: MetricText & { label: L },
  read: () => Readonly<Record<string, number>>,
): void {
  new Counter({
    name: text.name,
    help: text.help,
    labelNames: [text.label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [value, n] of Object.entries(read())) {
        this.inc({ [text.label]: value } as Record<L, string>, Math.max(0, n));
      }
    },
  });
}

/**
 * A gauge read at scrape time. Adding one for a new feature is one line in that program's
 * metrics.ts, e.g. `gaugeFrom(registry, { name: 'telemetry_collector_alarms_open', help: '…' },
 * () => alarms.openCount())`.
 */
export function gaugeFrom(registry: Registry, text: MetricText, read: () => number): void {
  new Gauge({
    ...text,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/** A gauge per label value, read at scrape time (e.g. vehicles by status). */
export function labelledGaugeFrom<L extends string>(
  registry: Registry,
  text: MetricText & { label: L },
  read: () => Readonly<Record<string, number>>,
): void {
  new Gauge({
    name: text.name,
    help: text.help,
    labelNames: [text.label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [value, n] of Object.entries(read())) {
        this.set({ [text.label]: value } as Record<L, string>, n);
      }
    },
  });
}
