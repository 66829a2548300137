// A dashboard with AUTH_MODE=local over the route fixture's readings: the first admin, a group holding vehicle_01, a viewer and an operator in it, alarms and commands of both vehicles.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt from 'mqtt';
import { encodeAlarmMessage } from '../../core/alarm-wire.js';
import type { ConfigOverrides } from '../../core/config.js';
import { type AlarmMessage, alarmTopic } from '../../core/contract.js';
import { waitFor } from '../../harness/wait.js';
import type { TestDashboardOptions } from '../dashboard/helpers.js';
import { NOW, type RouteFixture, startRouteFixture } from '../dashboard/route-fixture.js';
import { Caller } from './caller.js';

/** In the group: people of the group see it. */
export const IN = 'vehicle_01';
/** In no group: only admins see it. */
export const OUT = 'vehicle_02';
export const PASSWORD = 'a long test password';
export const GROUP = 'north';

export interface PeopleFixture {
  route: RouteFixture;
  base: string;
  admin: Caller;
  viewer: Caller;
  operator: Caller;
  /** The admin's password as the first start wrote it. */
  adminPassword: string;
  /** An open alarm of each vehicle, by device id. */
  alarms: Record<string, string>;
  /** A queued command of each vehicle, by device id. */
  commands: Record<string, string>;
}

export function alarmOf(deviceId: string | null, rule = 'overspeed'): AlarmMessage {
  const at = new Date(NOW - 60_000).toISOString();
  return {
    id: randomUUID(),
    device_id: deviceId,
    rule,
    severity: 'warning',
    state: 'open',
    started_at: at,
    updated_at: at,
    cleared_at: null,
    acknowledged_at: null,
    value: 130,
    message: 'speed 130 km/h above the limit 110 km/h',
    version: 1,
  };
}

export async function publishAlarms(brokerPort: number, alarms: AlarmMessage[]): Promise<void> {
  const client = await mqtt.connectAsync({ host: '127.0.0.1', port: brokerPort });
  for (const a of alarms) {
    await client.publishAsync(alarmTopic(a.device_id, a.rule), encodeAlarmMessage(a), {
      qos: 1,
      retain: true,
    });
  }
  await client.endAsync();
}

export async function startPeopleFixture(
  overrides: ConfigOverrides = {},
  options: TestDashboardOptions = {},
): Promise<PeopleFixture> {
  const route = await startRouteFixture(
    { AUTH_MODE: 'local', DASHBOARD_RATE_LIMIT_PER_MIN: '1000000', ...overrides },
    { ackTimeoutMs: 100, ...options },
  );
  const base = route.base;
  const adminPassword =
    readFileSync(join(route.dir, 'admin-password.txt'), 'utf8').split('\n')[1] ?? '';
  const admin = await Caller.signIn(base, 'admin', adminPassword);
  const ok = async (p: Promise<{ status: number; text: string }>, want: number) => {
    const res = await p;
    if (res.status !== want) throw new Error(`setup: ${res.status} ${res.text}`);
  };
  await ok(
    admin.send('/api/groups', {
      method: 'POST',
      body: { id: GROUP, name: 'North', devices: [IN] },
    }),
    201,
  );
  for (const [username, role] of [
    ['viewer', 'viewer'],
    ['operator', 'operator'],
  ]) {
    await ok(
      admin.send('/api/users', {
        method: 'POST',
        body: { username, role, password: PASSWORD, groups: [GROUP] },
      }),
      201,
    );
  }
  const alarmIn = alarmOf(IN);
  const alarmOut = alarmOf(OUT);
  await publishAlarms(route.broker.port, [alarmIn, alarmOut, alarmOf(null, 'fleet_silent')]);
  await waitFor(
    () => route.dashboard.alarms.list({ state: 'all', deviceId: undefined, limit: 10 }).length,
    (n) => n === 3,
    { what: 'three alarms in the dashboard copy' },
  );
  const commands: Record<string, string> = {};
  for (const id of [IN, OUT]) {
    const res = await admin.send(`/api/devices/${id}/commands`, {
      method: 'POST',
      body: { name: 'ping' },
    });
    commands[id] = (res.json as { command_id: string }).command_id;
  }
  return {
    route,
    base,
    admin,
    viewer: await Caller.signIn(base, 'viewer', PASSWORD),
    operator: await Caller.signIn(base, 'operator', PASSWORD),
    adminPassword,
    alarms: { [IN]: alarmIn.id, [OUT]: alarmOut.id },
    commands,
  };
}
