// `npm run gateway`: Traccar Client (OsmAnd), OwnTracks and Teltonika trackers into the pipeline, each external device like one of our vehicles; a stats line every 10 s.
import { describeBroker } from '../core/mqtt-transport.js';
import { runProgram } from '../core/program.js';
import { createGateway } from './create-gateway.js';

await runProgram('gateway', {}, async (config, log) => {
  const g = config.gateway;
  if (g.osmandPort === undefined && g.teltonikaPort === undefined && !g.ownTracks) {
    log.warn('no input is on: set OSMAND_PORT, TELTONIKA_PORT and/or OWNTRACKS=true');
  }
  const gateway = createGateway(config, log);
  try {
    await gateway.start();
  } catch (err) {
    await gateway.stop(); // e.g. a port taken: nothing half-started left behind
    throw err;
  }
  const p = gateway.parts;
  log.info(
    {
      broker: describeBroker(config.mqtt),
      osmand: p.osmand?.port,
      teltonika: p.teltonika?.port,
      ownTracks: g.ownTracks,
      queue: p.queue.path,
      numbering: config.redisUrl ? 'redis' : 'local',
    },
    'gateway started',
  );
  const logStats = () => log.info(gateway.stats(), 'stats');
  const timer = setInterval(logStats, 10_000);
  return async () => {
    clearInterval(timer);
    await gateway.stop();
    logStats();
  };
});
