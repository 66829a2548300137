// Preloaded into a benchmarked process (`--import`): on SIGUSR2 it prints, and resets, the longest event-loop delay seen since.
import { monitorEventLoopDelay } from 'node:perf_hooks';

const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
process.on('SIGUSR2', () => {
  process.stderr.write(`${JSON.stringify({ loop_probe: { max_ms: loop.max / 1e6 } })}\n`);
  loop.reset();
});
