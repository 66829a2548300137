// The device list on InfluxDB without a full scan: checkpoints, plus the points above each one's bound.
import { decodeCheckpoints, NO_TIME } from './influx-checkpoint.js';
import type { InfluxHttp } from './influx-http.js';
import type { InfluxLayout } from './influx-layout.js';
import { deviceOf, rows } from './influx-rows.js';
import { checkpointsQuery } from './influx-tier-ql.js';
import {
  deviceTagValuesQuery,
  newestEverQueries,
  newestSinceQueries,
  sinceNs,
} from './influxql.js';
import type { DeviceSummary } from './types.js';

const DEVICES_PER_REQUEST = 100;

/**
 * Last seen and highest seq per device: what the checkpoint vouches for, raised by the points at
 * or after its bound (usually a second's worth). A device with raw points but no checkpoint yet
 * (an older store the collector has not opened) costs one scan of its points.
 */
export async function listDevices(
  http: InfluxHttp,
  layout: InfluxLayout,
): Promise<DeviceSummary[]> {
  const db = layout.raw.database;
  // One request for both: the dashboard (and the ingest benchmark) ask often.
  const [cpAnswer, tagAnswer] = await http.queryEach(
    [checkpointsQuery(layout.coverage), deviceTagValuesQuery(layout.raw)],
    db,
  );
  const checkpoints = decodeCheckpoints(cpAnswer ?? [], deviceOf);
  const ids = new Set(checkpoints.keys());
  for (const s of tagAnswer ?? []) {
    const v = s.columns.indexOf('value');
    for (const row of s.values) if (typeof row[v] === 'string') ids.add(row[v] as string);
  }
  const sorted = [...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const out: DeviceSummary[] = [];
  for (let i = 0; i < sorted.length; i += DEVICES_PER_REQUEST) {
    const group = sorted.slice(i, i + DEVICES_PER_REQUEST);
    const statements = group.flatMap((id) => {
      const cp = checkpoints.get(id);
      return cp
        ? newestSinceQueries(id, sinceNs(cp.scan.ms, cp.scan.sub), layout.raw)
        : newestEverQueries(id, layout.raw);
    });
    const answers = await http.queryEach(statements, db);
    group.forEach((deviceId, k) => {
      const cp = checkpoints.get(deviceId);
      const last = answers[2 * k]?.[0];
      const max = answers[2 * k + 1]?.[0];
      const lastRow = last ? rows(last)[0] : undefined;
      const maxRow = max ? rows(max)[0] : undefined;
      const lastSeen = Math.max(cp?.lastSeen ?? NO_TIME, lastRow ? lastRow.num('time') : NO_TIME);
      const lastSeq = Math.max(cp?.coverage.highest ?? -1, maxRow ? maxRow.num('max') : -1);
      if (lastSeq >= 0) out.push({ deviceId, lastSeen, lastSeq });
    });
  }
  return out;
}
