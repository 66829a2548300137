// `npm run collector`: the collector alone, with a stats line in the log every 10 s.
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describeBroker } from '../core/mqtt-transport.js';
import { runProgram } from '../core/program.js';
import { createCollector } from './create-collector.js';

await runProgram('collector', {}, async (config, log) => {
  const collector = createCollector(config, log);
  // The longest the event loop was held (a store commit, a retention step, a GC): the longest
  // any message waited before being read.
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  await collector.start();
  log.info({ store: config.store.kind, broker: describeBroker(config.mqtt) }, 'collector started');
  const logStats = () => {
    const { devices: _devices, ...totals } = collector.stats();
    log.info({ ...totals, eventLoopMaxMs: Math.round(loop.max / 1e4) / 100 }, 'stats');
  };
  const timer = setInterval(logStats, 10_000);
  return async () => {
    clearInterval(timer);
    await collector.stop();
    logStats();
    loop.disable();
  };
});
