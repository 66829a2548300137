// Composition of the dashboard from config: read-only store factory, clean MQTT session, clock, version.
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import { DASHBOARD_USER } from '../core/mqtt-credentials.js';
import { MqttSession } from '../core/mqtt-session.js';
import { createStore } from '../core/store/create-store.js';
import { Dashboard } from './dashboard.js';

/** The version in package.json, reported by /api/health. */
export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  return typeof pkg.version === 'string' ? pkg.version : 'unknown';
}

export function createDashboard(config: Config, log: Logger): Dashboard {
  return new Dashboard(
    { ...config.dashboard, version: packageVersion() },
    {
      createStore: () => createStore(config.store, log, { readonly: true }),
      session: new MqttSession({
        mqtt: config.mqtt,
        // Unique per instance: two dashboards must not take each other's session over.
        clientId: `dashboard-${randomBytes(4).toString('hex')}`,
        // A broker secured by `npm run mqtt-users` makes the client id "dashboard" (the username).
        user: DASHBOARD_USER,
        clean: true,
        log,
      }),
      log,
      now: Date.now,
    },
  );
}
