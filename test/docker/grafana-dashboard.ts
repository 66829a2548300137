// Reads docker/grafana/dashboards/telemetry.json: its panels, their PromQL, and the metric names the PromQL uses.
import { readFileSync } from 'node:fs';
import { DOCKER } from './compose-files.js';

export interface GrafanaTarget {
  expr: string;
  refId: string;
  datasource?: { type?: string; uid?: string };
}

export interface GrafanaPanel {
  id: number;
  type: string;
  title: string;
  datasource?: { type?: string; uid?: string };
  targets?: GrafanaTarget[];
  gridPos?: { h: number; w: number; x: number; y: number };
}

export const DASHBOARD_JSON = `${DOCKER}grafana/dashboards/telemetry.json`;

export function grafanaDashboard(): { uid: string; title: string; panels: GrafanaPanel[] } {
  return JSON.parse(readFileSync(DASHBOARD_JSON, 'utf8'));
}

/** Every query of every panel (rows have none), with its panel's title. */
export function panelQueries(): Array<{ panel: string; expr: string }> {
  return grafanaDashboard().panels.flatMap((p) =>
    (p.targets ?? []).map((t) => ({ panel: p.title, expr: t.expr })),
  );
}

/** The PromQL as Prometheus takes it: Grafana's interval variables as a fixed range. */
export function asPromql(expr: string, range = '15s'): string {
  return expr.replace(/\$__(rate_interval|interval|range)\b/g, range);
}

/**
 * Metric names a query reads. Ours all start with telemetry_, Node's with process_ or nodejs_; a
 * histogram's series end in _bucket, _sum or _count, which are stripped to the family name.
 */
export function metricNames(expr: string): string[] {
  const names = new Set<string>();
  for (const m of expr.matchAll(/\b((?:telemetry|process|nodejs)_[a-z0-9_]+)/g)) {
    if (m[1]) names.add(m[1]);
  }
  return [...names].sort();
}

export function familyOf(series: string): string {
  return series.replace(/_(bucket|sum|count)$/, '');
}
