// Streams a range of raw readings as CSV or NDJSON: one chunk at a time, waiting for the socket to drain.
import type { Response } from 'express';
import type { ReadingColumns } from '../../core/store/types.js';
import { ChunkEncoder, type ExportFormat } from './chunk-encoder.js';
import type { ExportColumn } from './selection.js';

export type { ExportFormat };

export const EXPORT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8',
  ndjson: 'application/x-ndjson; charset=utf-8',
};

/** Rows per store query: small enough that one chunk's query and rendering are a short stall. */
export const EXPORT_CHUNK_ROWS = 2000;

/**
 * Writes and resolves once the socket has taken the bytes (true: the encoder's buffer may be
 * reused), or when the client is gone (false). Leaves no listener behind.
 */
function written(res: Response, bytes: Buffer): Promise<boolean> {
  if (res.destroyed) return Promise.resolve(false);
  return new Promise((resolve) => {
    let settled = false;
    const done = (ok: boolean) => {
      if (settled) return;
      settled = true;
      res.off('close', onClose);
      resolve(ok);
    };
    const onClose = () => done(false);
    res.on('close', onClose);
    res.write(bytes, (err) => done(!err && !res.destroyed));
  });
}

/**
 * Writes `first` and every following chunk. Memory stays at one chunk and its encoded bytes: a
 * chunk is only read from the store once the socket has taken the previous one (its write
 * callback), which is backpressure at its strictest, and lets the encoder reuse one buffer. A
 * client that goes away stops the export (the store is not read further); a store failure midway
 * ends the response abruptly, so the client sees a truncated transfer rather than a
 * complete-looking file.
 */
export async function streamExport(
  res: Response,
  layout: { format: ExportFormat; deviceId: string; header: string[]; columns: ExportColumn[] },
  first: IteratorResult<ReadingColumns>,
  rest: AsyncIterator<ReadingColumns>,
): Promise<{ rows: number; complete: boolean }> {
  let rows = 0;
  const { format, deviceId, header, columns } = layout;
  const encoder = new ChunkEncoder(format, deviceId, columns);
  if (format === 'csv' && !(await written(res, Buffer.from(`${header.join(',')}\n`)))) {
    return { rows, complete: false };
  }
  for (let next = first; !next.done; next = await rest.next()) {
    if (res.destroyed) {
      await rest.return?.();
      return { rows, complete: false };
    }
    rows += next.value.length;
    if (!(await written(res, encoder.encode(next.value)))) {
      await rest.return?.();
      return { rows, complete: false };
    }
  }
  res.end();
  return { rows, complete: true };
}
