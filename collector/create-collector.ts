// Composition of the collector from config: store + persistent MQTT session + delivery options.
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import { COLLECTOR_USER } from '../core/mqtt-credentials.js';
import { MqttSession } from '../core/mqtt-session.js';
import { createStore } from '../core/store/create-store.js';
import { RegistryFollower } from '../registry/follower.js';
import { Collector, type CollectorOptions } from './collector.js';
import { DEFAULT_RETENTION_RUNNER } from './retention-runner.js';

export function createCollector(config: Config, log: Logger): Collector {
  return new Collector(
    {
      store: createStore(config.store, log),
      session: new MqttSession({
        mqtt: config.mqtt,
        clientId: config.collectorClientId,
        user: COLLECTOR_USER,
        clean: false,
        log,
      }),
      log,
      now: Date.now,
      registry: new RegistryFollower(log),
    },
    collectorOptions(config),
  );
}

export function collectorOptions(config: Config): Partial<CollectorOptions> {
  const { rawMs, oneMinuteMs, oneHourMs } = config.store.retention;
  return {
    endToEndAcks: config.delivery.ackMode === 'e2e',
    ackIntervalMs: config.delivery.ackIntervalMs,
    // The collector is the store's writer, so it is the one that applies retention.
    retention: rawMs + oneMinuteMs + oneHourMs > 0 ? DEFAULT_RETENTION_RUNNER : undefined,
    allowlist: config.deviceAllowlist,
  };
}
