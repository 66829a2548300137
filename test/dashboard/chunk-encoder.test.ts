// The export encoder writes exactly what template strings and toISOString would, for any readings.
import { describe, expect, it } from 'vitest';
import { toColumns } from '../../core/store/reading-chunks.js';
import type { RawReading } from '../../core/store/types.js';
import { ChunkEncoder } from '../../dashboard/readings/chunk-encoder.js';

const csvLine = (id: string, r: RawReading) =>
  `${id},${r.seq},${new Date(r.timestamp).toISOString()},${r.values.speed}\n`;
const ndjsonLine = (id: string, r: RawReading) =>
  `${JSON.stringify({ device_id: id, seq: r.seq, timestamp: new Date(r.timestamp).toISOString(), speed: r.values.speed })}\n`;

function readings(): RawReading[] {
  const out: RawReading[] = [];
  const start = Date.parse('2026-10-31T23:59:58.997Z');
  // A month at about 1 Hz across minute, day and month edges.
  for (let i = 0; i < 30 * 86_400; i += 37) {
    out.push({
      seq: i,
      timestamp: start + i * 1000 + (i % 1000),
      values: { speed: (i % 12_000) / 100 },
    });
  }
  for (let i = 0; i < 5000; i++) {
    out.push({
      seq: Math.floor(Math.random() * Number.MAX_SAFE_INTEGER),
      timestamp: Math.floor(Math.random() * 4e12) - 1e12,
      values: { speed: Math.random() * 300 },
    });
  }
  const edges = [0, -1, 59_999, 60_000, -60_001, 253_402_300_799_999, 253_402_300_800_000];
  for (const ms of [...edges, -62_167_219_200_000, -62_167_219_200_001, 8.64e15, -8.64e15]) {
    out.push({ seq: 0, timestamp: ms, values: { speed: 0 } });
  }
  out.push({ seq: Number.MAX_SAFE_INTEGER, timestamp: 0, values: { speed: 1e-7 } });
  out.push({ seq: 9, timestamp: 1, values: { speed: 299.99999999999994 } });
  return out;
}

describe('ChunkEncoder', () => {
  it.each(['csv', 'ndjson'] as const)('%s: byte for byte the plain rendering', (format) => {
    const id = 'vehicle_01-x';
    const rows = readings();
    const encoder = new ChunkEncoder(format, id);
    const line = format === 'csv' ? csvLine : ndjsonLine;
    const wrong: string[] = [];
    for (let i = 0; i < rows.length; i += 2000) {
      const chunk = rows.slice(i, i + 2000);
      const got = encoder.encode(toColumns(chunk, ['speed'])).toString('latin1');
      const want = chunk.map((r) => line(id, r)).join('');
      if (got !== want) wrong.push(`chunk at ${i}`);
    }
    expect(wrong).toEqual([]);
  });
});
