// The longevity benchmark's history file: N vehicles, a year of older readings at 1/min, then 30 days at 1 Hz (CSV).
import { closeSync, openSync, writeSync } from 'node:fs';

export interface HistoryShape {
  vehicles: number;
  /** Days at 1 Hz ending at `end`: what RETENTION_RAW keeps. */
  rawDays: number;
  /** Days before those, one reading a minute: raw rows that retention turns into rollups only. */
  olderDays: number;
  end: number;
}

export interface HistoryFile {
  rows: number;
  /** Rows older than rawDays (retention deletes their raw rows). */
  olderRows: number;
  deviceIds: string[];
}

const DAY = 86_400_000;

export const vehicleId = (i: number): string => `vehicle_${String(i + 1).padStart(2, '0')}`;

/**
 * One CSV in `device_id,seq,timestamp,speed` order, written in 4 MB pieces. Each vehicle's seqs
 * run from its oldest reading on, as a device that kept its queue file for a year would have them.
 */
export function writeHistoryCsv(path: string, shape: HistoryShape): HistoryFile {
  const fd = openSync(path, 'w');
  let rows = 0;
  let olderRows = 0;
  let chunk = 'device_id,seq,timestamp,speed\n';
  const flush = (force: boolean) => {
    if (!force && chunk.length < 4_000_000) return;
    writeSync(fd, chunk);
    chunk = '';
  };
  const rawStart = shape.end - shape.rawDays * DAY;
  const deviceIds: string[] = [];
  try {
    for (let v = 0; v < shape.vehicles; v++) {
      const id = vehicleId(v);
      deviceIds.push(id);
      let seq = 0;
      const line = (time: number) => {
        const speed = ((seq * 7919 + v * 31) % 12_000) / 100;
        chunk += `${id},${seq},${new Date(time).toISOString()},${speed}\n`;
        seq += 1;
        rows += 1;
        flush(false);
      };
      for (let t = rawStart - shape.olderDays * DAY; t < rawStart; t += 60_000) {
        line(t);
        olderRows += 1;
      }
      for (let t = rawStart; t <= shape.end; t += 1000) line(t);
    }
    flush(true);
  } finally {
    closeSync(fd);
  }
  return { rows, olderRows, deviceIds };
}
