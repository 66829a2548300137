// Test program: fills a SQLite store, then keeps writing to it (one device with a gap it fills late) until SIGTERM.

import type { Reading } from '../../core/contract.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';

const [path, devicesArg, prefillArg] = process.argv.slice(2);
if (!path) throw new Error('usage: store-writer PATH DEVICES PREFILL_PER_DEVICE');
const ids = Array.from({ length: Number(devicesArg ?? 3) }, (_, i) => `writer_${i + 1}`);
const prefill = Number(prefillArg ?? 10_000);
const base = Date.now() - 3 * 86_400_000;
const reading = (id: string, seq: number): Reading => ({
  device_id: id,
  seq,
  timestamp: new Date(base + seq * 1000).toISOString(),
  values: { speed: (seq * 13) % 120 },
});

const store = new SqliteStore({ path });
await store.start();
let next = 0;
for (; next < prefill; next += 2500) {
  await store.write(
    ids.flatMap((id) => Array.from({ length: 2500 }, (_, i) => reading(id, next + i))),
  );
}
// Every round: 20 more readings per device; the last device skips one seq and sends it a round
// late, so its coverage always has a gap with ranges above it.
const gappy = ids.at(-1) as string;
let late: number | undefined;
let stopping = false;
process.once('SIGTERM', () => {
  stopping = true;
});
while (!stopping) {
  const batch: Reading[] = [];
  for (const id of ids) {
    for (let seq = next; seq < next + 20; seq++) {
      if (id === gappy && seq === next + 7) continue;
      batch.push(reading(id, seq));
    }
  }
  if (late !== undefined) batch.push(reading(gappy, late));
  late = next + 7;
  next += 20;
  await store.write(batch);
  // Ready once the gap of the last device is open: every snapshot from now on has one.
  if (next === prefill + 20) process.stdout.write('ready\n');
  await new Promise((resolve) => setImmediate(resolve));
}
await store.stop();
process.stdout.write(`stopped at ${next}\n`);
