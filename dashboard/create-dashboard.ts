// Composition of the dashboard from config: read-only store factory, persistent MQTT session, command store, clock, version, metrics registry.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Registry } from 'prom-client';
import { createAuth } from '../auth/auth.js';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import { createMetricsRegistry } from '../core/metrics/registry.js';
import { DASHBOARD_USER } from '../core/mqtt-credentials.js';
import { MqttSession } from '../core/mqtt-session.js';
import { projectRoot } from '../core/project-root.js';
import { createStore } from '../core/store/create-store.js';
import { SqliteRegistryStore } from '../registry/sqlite-registry-store.js';
import { FollowedRegistry } from './cluster/followed-registry.js';
import { RedisLink } from './cluster/redis-link.js';
import { SqliteCommandStore } from './commands/sqlite-command-store.js';
import { Dashboard } from './dashboard.js';
import { createDashboardGeo } from './geo/create-geo.js';

/** The version in package.json, reported by /api/health. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(join(projectRoot(), 'package.json'), 'utf8')) as {
    version?: unknown;
  };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

/** `metrics`: `npm start`'s registry shared by every part; alone, the dashboard makes its own. */
export function createDashboard(config: Config, log: Logger, metrics?: Registry): Dashboard {
  const follower =
    config.dashboard.registryMode === 'follower' ? new FollowedRegistry(log) : undefined;
  return new Dashboard(
    {
      ...config.dashboard,
      version: packageVersion(),
      deviceAllowlist: config.deviceAllowlist,
      catalog: config.signals,
    },
    {
      createStore: () => createStore(config.store, log, { readonly: true }),
      // HTTP ingest writes only for an admin (AUTH_MODE=none: only with DASHBOARD_API_TOKEN):
      // SQLite takes a second writer safely (coverage is read inside each write's transaction).
      createWriteStore:
        config.dashboard.apiToken === undefined && config.auth.mode === 'none'
          ? undefined
          : () => createStore(config.store, log),
      registry: follower ?? new SqliteRegistryStore(config.dashboard.statePath),
      registryFollower: follower,
      session: new MqttSession({
        mqtt: config.mqtt,
        // Persistent, so QoS 1 messages meant for the dashboard (command results, alarm events)
        // wait in the broker while it is down. Live data is subscribed at QoS 0 and never queued.
        // One id per instance (DASHBOARD_CLIENT_ID); a broker secured by `npm run mqtt-users` uses
        // the username instead, so each instance then needs its own user.
        clientId: config.dashboard.clientId,
        user: DASHBOARD_USER,
        clean: false,
        log,
      }),
      commandStore: new SqliteCommandStore(config.dashboard.statePath),
      log,
      now: Date.now,
      metrics: metrics ?? createMetricsRegistry(),
      cluster:
        config.redisUrl === undefined
          ? undefined
          : new RedisLink({ url: config.redisUrl }, log.child({ part: 'redis' })),
      geo: createDashboardGeo(config, log, { now: Date.now }),
      auth: createAuth(config.auth, {
        log: log.child({ part: 'auth' }),
        now: Date.now,
        legacyToken: config.dashboard.apiToken,
      }),
    },
  );
}
