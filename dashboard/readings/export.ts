// Streams a range of raw readings as CSV or NDJSON: one chunk at a time, waiting for the socket to drain.
import { once } from 'node:events';
import type { Response } from 'express';
import { CSV_HEADER } from '../../core/dashboard-contract.js';
import type { RawReading } from '../../core/store/types.js';
import { IsoTime } from './iso-time.js';

export type ExportFormat = 'csv' | 'ndjson';

export const EXPORT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

/** Rows per store query: small enough that one chunk's query and rendering are a short stall. */
export const EXPORT_CHUNK_ROWS = 2000;

/** One chunk as text: device ids match ^[A-Za-z0-9_-]{1,64}$, so nothing needs quoting. */
export function renderChunk(
  format: ExportFormat,
  deviceId: string,
  rows: readonly RawReading[],
  iso: IsoTime = new IsoTime(),
): string {
  let text = '';
  if (format === 'csv') {
    for (const r of rows) text += `${deviceId},${r.seq},${iso.format(r.timestamp)},${r.speed}\n`;
  } else {
    const prefix = `{"device_id":${JSON.stringify(deviceId)},"seq":`;
    for (const r of rows) {
      text += `${prefix}${r.seq},"timestamp":"${iso.format(r.timestamp)}","speed":${r.speed}}\n`;
    }
  }
  return text;
}

/** Resolves when the socket takes more, or when the client is gone (false). */
async function drained(res: Response): Promise<boolean> {
  if (res.destroyed) return false;
  const closed = once(res, 'close').then(() => false);
  const drain = once(res, 'drain').then(() => true);
  return Promise.race([drain, closed]);
}

/**
 * Writes `first` and every following chunk. Memory stays at about one chunk plus the socket's
 * buffer: a chunk is only read from the store once the previous one was taken by the socket
 * (res.write() returning false means wait for 'drain'). A client that goes away stops the export
 * (the store is not read further); a store failure midway ends the response abruptly, so the
 * client sees a truncated transfer rather than a complete-looking file.
 */
export async function streamExport(
  res: Response,
  format: ExportFormat,
  deviceId: string,
  first: IteratorResult<RawReading[]>,
  rest: AsyncIterator<RawReading[]>,
): Promise<{ rows: number; complete: boolean }> {
  let rows = 0;
  const iso = new IsoTime();
  if (format === 'csv' && !res.write(`${CSV_HEADER}\n`) && !(await drained(res))) {
    return { rows, complete: false };
  }
  for (let next = first; !next.done; next = await rest.next()) {
    if (res.destroyed) {
      await rest.return?.();
      return { rows, complete: false };
    }
    rows += next.value.length;
    if (!res.write(renderChunk(format, deviceId, next.value, iso)) && !(await drained(res))) {
      await rest.return?.();
      return { rows, complete: false };
    }
  }
  res.end();
  return { rows, complete: true };
}
