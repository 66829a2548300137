// The benchmark table: every key with its figure and its goal.

export type Results = Record<string, Record<string, number>>;

/** Goals from the benchmarks issue: [comparison, bound]. */
const GOALS: Record<string, ['>=' | '<=' | '<', number]> = {
  'ingest.ratio_sqlite': ['>=', 0.9],
  'ingest.ratio_influxdb': ['>=', 0.7],
  'ingest_speed.ratio_sqlite': ['>=', 0.9],
  'ingest_speed.ratio_influxdb': ['>=', 0.7],
  'latency.p99_ms': ['<=', 10],
  'latency.p99_ms_at_5k': ['<=', 100],
  'history.p95_ms_24h': ['<=', 30],
  'history.p95_ms_5m': ['<=', 10],
  'fleet.rss_mb_10000': ['<=', 1024],
  'fleet.cpu_10000': ['<', 1],
  'queue.drain_msgs_per_s': ['>=', 5000],
  'collector.rss_mb': ['<=', 150],
  'longevity.collector_ready_ratio': ['<=', 1.5],
  'longevity.collector_peak_rss_mb': ['<=', 150],
  'longevity.history_ratio_30d': ['<=', 3],
  'longevity.history_ratio_1y': ['<=', 3],
  'longevity.retention_longest_step_ms': ['<=', 100],
  'longevity.event_loop_max_ms_during_retention': ['<=', 100],
  'longevity.bytes_per_reading': ['<=', 120],
  'export.sqlite_rss_growth_mb': ['<', 50],
  'export.influxdb_rss_growth_mb': ['<', 50],
  'ui.page_ready_ratio': ['<=', 1.5],
  'ui.longest_task_ms_1000': ['<=', 100],
  'ui.socket_kb_per_s_10000': ['<=', 50],
  // The live map at 10,000 vehicles driving: zoomed out (cells) and in (at most 500 vehicles).
  'map.longest_task_ms_cells': ['<=', 100],
  'map.longest_task_ms_vehicles': ['<=', 100],
  'map.socket_kb_per_s_cells': ['<=', 50],
  'map.socket_kb_per_s_vehicles': ['<=', 50],
  'gateway.teltonika_ack_p99_ms_1000': ['<=', 50],
  'gateway.teltonika_delivered_ratio': ['>=', 1],
  'geo.summary_1000x30_day_ms': ['<=', 2000],
  'geo.summary_1000x30_none_ms': ['<=', 2000],
  'geo.track_30d_1hz_ms': ['<=', 100],
  'geo.track_30d_1hz_points': ['<=', 2000],
  'geo.ingest_trips_ratio': ['>=', 0.9],
  // Ours against Node-RED's flows, same broker and load (issue 24).
  'peers.ratio_batched': ['>=', 1.5],
  'peers.ratio_naive': ['>=', 8],
  'peers_speed.ratio_batched': ['>=', 1.5],
  'peers_speed.ratio_naive': ['>=', 8],
};

/**
 * A key's goal: its own, or the one it shares: `longevity_speed.*` (speed-only payloads) has the
 * goals of `longevity.*`, and `history_ratio_30d_<signal>` those of `history_ratio_30d`.
 */
export function goalOf(key: string): ['>=' | '<=' | '<', number] | undefined {
  const shared = key
    .replace(/^longevity_speed\./, 'longevity.')
    .replace(/^(longevity\.history_ratio_(?:30d|1y))_.+$/, '$1');
  return GOALS[key] ?? GOALS[shared];
}

export function goalMet(key: string, value: number): boolean | undefined {
  const goal = goalOf(key);
  if (!goal) return undefined;
  const [op, bound] = goal;
  return op === '>=' ? value >= bound : op === '<=' ? value <= bound : value < bound;
}

export function table(results: Results, repeat: number): string {
  const rows: string[][] = [['key', 'value', 'goal', '']];
  for (const [group, figures] of Object.entries(results)) {
    for (const [name, value] of Object.entries(figures)) {
      const key = `${group}.${name}`;
      const goal = goalOf(key);
      const met = goalMet(key, value);
      rows.push([
        key,
        String(value),
        goal ? `${goal[0]} ${goal[1]}` : 'measured',
        met === undefined ? '' : met ? 'ok' : 'MISSED',
      ]);
    }
  }
  const widths = [0, 1, 2, 3].map((i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) =>
    r.map((c, i) => (i === 1 ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0))).join('  ');
  return [`medians of ${repeat} runs`, line(rows[0] ?? []), ...rows.slice(1).map(line)].join('\n');
}
