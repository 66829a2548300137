// `npm run collector`: the collector alone, with a stats line in the log every 10 s.
import { describeBroker } from '../core/mqtt-transport.js';
import { runProgram } from '../core/program.js';
import { createCollector } from './create-collector.js';

await runProgram('collector', {}, async (config, log) => {
  const collector = createCollector(config, log);
  await collector.start();
  log.info({ store: config.store.kind, broker: describeBroker(config.mqtt) }, 'collector started');
  const logStats = () => {
    const { devices: _devices, ...totals } = collector.stats();
    log.info(totals, 'stats');
  };
  const timer = setInterval(logStats, 10_000);
  return async () => {
    clearInterval(timer);
    await collector.stop();
    logStats();
  };
});
