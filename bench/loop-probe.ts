// Preloaded into a benchmarked process (`--import`): on SIGUSR2 it prints, and resets, the longest event-loop delay seen since, with a memory breakdown.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
process.on('SIGUSR2', () => {
  const m = process.memoryUsage();
  const memory = {
    rss: mb(m.rss),
    heap_total: mb(m.heapTotal),
    heap_used: mb(m.heapUsed),
    external: mb(m.external),
    array_buffers: mb(m.arrayBuffers),
  };
  process.stderr.write(`${JSON.stringify({ loop_probe: { max_ms: loop.max / 1e6, memory } })}\n`);
  loop.reset();
});
