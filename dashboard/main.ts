// `npm run dashboard`: the dashboard alone (reads the store, subscribes to the broker for live data).
import { runProgram } from '../core/program.js';
import { createDashboard } from './create-dashboard.js';

await runProgram('dashboard', {}, async (config, log) => {
  const dashboard = createDashboard(config, log);
  await dashboard.start();
  log.info(
    {
      url: dashboard.url,
      store: config.store.kind,
      broker: `${config.mqtt.host ?? 'localhost'}:${config.mqtt.port}`,
    },
    'dashboard listening',
  );
  return () => dashboard.stop();
});
