// Composition of the collector from config: store + persistent MQTT session.
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import { MqttSession } from '../core/mqtt-session.js';
import { createStore } from '../core/store/create-store.js';
import { Collector } from './collector.js';

export function createCollector(config: Config, log: Logger): Collector {
  return new Collector({
    store: createStore(config.store, log),
    session: new MqttSession({
      mqtt: config.mqtt,
      clientId: config.collectorClientId,
      clean: false,
      log,
    }),
    log,
    now: Date.now,
  });
}
