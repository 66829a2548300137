// A histogram for per-reading observations: a bucket search and two additions per value, exported through a prom-client registry.
import type { Metric, Registry } from 'prom-client';

/**
 * Why not prom-client's Histogram here: its observe() hashes a label object and validates labels
 * on every call. Observing each reading's lag (timestamp parse included) measured 1.15-1.8 µs per
 * reading with it and 0.5-0.8 µs with this one (5,000 readings x 200, on this shared 2-core
 * machine under load), i.e. at 76,000 readings/s about 5 % of a core saved. This one has no
 * labels and keeps plain numbers; the registry reads it like any other metric through get() (the
 * object shape prom-client's own metrics return), and a test holds its text equal to
 * prom-client's Histogram's for the same observations. Use it only where a value is observed per
 * message.
 */
export class CountingHistogram {
  readonly type = 'histogram';
  readonly aggregator = 'sum';
  private readonly bounds: Float64Array;
  private counts: Float64Array;
  private sum = 0;
  private count = 0;

  constructor(
    readonly name: string,
    readonly help: string,
    buckets: readonly number[],
  ) {
    this.bounds = Float64Array.from([...buckets].sort((a, b) => a - b));
    this.counts = new Float64Array(this.bounds.length);
  }

  /** Registers it on a registry (a separate step: constructors only assign). */
  register(registry: Registry): this {
    registry.registerMetric(this as unknown as Metric);
    return this;
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) return;
    this.sum += value;
    this.count += 1;
    const { bounds, counts } = this;
    for (let i = 0; i < bounds.length; i++) {
      // Above the last bound: only +Inf (the count) has it.
      if (value <= (bounds[i] ?? Number.POSITIVE_INFINITY)) {
        counts[i] = (counts[i] ?? 0) + 1;
        return;
      }
    }
  }

  reset(): void {
    this.counts = new Float64Array(this.bounds.length);
    this.sum = 0;
    this.count = 0;
  }

  /** Cumulative buckets, +Inf, _sum and _count, as prom-client's registry formats them. */
  get(): {
    name: string;
    help: string;
    type: string;
    aggregator: string;
    values: Array<{ labels: Record<string, string>; value: number; metricName: string }>;
  } {
    const values: Array<{ labels: Record<string, string>; value: number; metricName: string }> = [];
    let cumulative = 0;
    this.bounds.forEach((bound, i) => {
      cumulative += this.counts[i] as number;
      values.push({
        labels: { le: String(bound) },
        value: cumulative,
        metricName: `${this.name}_bucket`,
      });
    });
    values.push({ labels: { le: '+Inf' }, value: this.count, metricName: `${this.name}_bucket` });
    values.push({ labels: {}, value: this.sum, metricName: `${this.name}_sum` });
    values.push({ labels: {}, value: this.count, metricName: `${this.name}_count` });
    return {
      name: this.name,
      help: this.help,
      type: this.type,
      aggregator: this.aggregator,
      values,
    };
  }
}
