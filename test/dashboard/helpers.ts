// Building blocks for dashboard tests: a Dashboard on port 0 with an injectable clock, and JSON GETs.
import { join } from 'node:path';
import { createAuth } from '../../auth/auth.js';
import type { ThrottlePolicy } from '../../auth/throttle.js';
import type { Config } from '../../core/config.js';
import { type Logger, silentLogger } from '../../core/log.js';
import { MqttSession } from '../../core/mqtt-session.js';
import { createStore } from '../../core/store/create-store.js';
import { FollowedRegistry } from '../../dashboard/cluster/followed-registry.js';
import type { SocketCluster } from '../../dashboard/cluster/redis-link.js';
import { SqliteCommandStore } from '../../dashboard/commands/sqlite-command-store.js';
import { Dashboard } from '../../dashboard/dashboard.js';
import { createDashboardGeo } from '../../dashboard/geo/create-geo.js';
import { SqliteRegistryStore } from '../../registry/sqlite-registry-store.js';
import { TEST_HASHER } from '../auth/fixture.js';
import { tempDir } from '../helpers/tmp.js';

export const TEST_VERSION = '0.0.0-test';

export interface TestDashboardOptions {
  now?: () => number;
  storeRetryMs?: number;
  log?: Logger;
  /** Default: a fresh file in a temp dir (never the shared ./data default). */
  statePath?: string;
  ackTimeoutMs?: number;
  /** A fixed id and a persistent session (default: a random id, clean session). */
  clientId?: string;
  /** Several dashboards: the Socket.IO adapter's link to Redis. */
  cluster?: SocketCluster;
  /** Login lockout rules (default: production's). */
  throttle?: ThrottlePolicy;
}

/** The production composition (read-only store, writer with a token, registry; clean session) with test knobs. */
export function testDashboard(config: Config, options: TestDashboardOptions = {}): Dashboard {
  const log = options.log ?? silentLogger();
  // Commands and the alarm copy share the dashboard's state file, as in production.
  const statePath = options.statePath ?? join(tempDir('dashboard-state-'), 'dashboard-state.db');
  const follower =
    config.dashboard.registryMode === 'follower' ? new FollowedRegistry(log) : undefined;
  return new Dashboard(
    {
      ...config.dashboard,
      statePath,
      host: '127.0.0.1',
      port: 0,
      version: TEST_VERSION,
      storeRetryMs: options.storeRetryMs ?? 100,
      ...(options.ackTimeoutMs === undefined ? {} : { ackTimeoutMs: options.ackTimeoutMs }),
      deviceAllowlist: config.deviceAllowlist,
      catalog: config.signals,
    },
    {
      createStore: () => createStore(config.store, log, { readonly: true }),
      createWriteStore:
        config.dashboard.apiToken === undefined && config.auth.mode === 'none'
          ? undefined
          : () => createStore(config.store, log),
      registry: follower ?? new SqliteRegistryStore(config.dashboard.statePath),
      registryFollower: follower,
      session: new MqttSession({
        mqtt: config.mqtt,
        clientId:
          options.clientId ??
          `dashboard-test-${process.pid}-${Math.random().toString(16).slice(2)}`,
        clean: options.clientId === undefined,
        log,
      }),
      commandStore: new SqliteCommandStore(statePath),
      log,
      now: options.now ?? Date.now,
      cluster: options.cluster,
      geo: createDashboardGeo(config, log, {
        now: options.now ?? Date.now,
        retryMs: options.storeRetryMs ?? 100,
        statePath,
      }),
      // scrypt at a test cost (the production cost is covered by test/auth/auth.test.ts).
      auth: createAuth(config.auth, {
        log,
        now: options.now ?? Date.now,
        legacyToken: config.dashboard.apiToken,
        hasher: TEST_HASHER,
        ...(options.throttle ? { throttle: options.throttle } : {}),
      }),
    },
  );
}

export interface JsonResponse {
  status: number;
  body: unknown;
  contentType: string | null;
}

export async function getJson(base: string, path: string): Promise<JsonResponse> {
  const res = await fetch(new URL(path, base));
  const text = await res.text();
  return {
    status: res.status,
    body: JSON.parse(text),
    contentType: res.headers.get('content-type'),
  };
}
