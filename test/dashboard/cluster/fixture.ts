// Two (or more) dashboards behind one real redis-server and one real Mosquitto, a Socket.IO client on each, a fake vehicle and a fake collector.
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { io, type Socket } from 'socket.io-client';
import { encodeAlarmMessage, parseAckRequest } from '../../../core/alarm-wire.js';
import {
  ALARM_ACK_TOPIC,
  type Alarm,
  type AlarmMessage,
  alarmTopic,
  type TelemetryPayload,
} from '../../../core/contract.js';
import type {
  ClientToServerEvents,
  CommandBody,
  ServerToClientEvents,
} from '../../../core/dashboard-contract.js';
import { silentLogger } from '../../../core/log.js';
import { RedisLink } from '../../../dashboard/cluster/redis-link.js';
import type { Dashboard } from '../../../dashboard/dashboard.js';
import { TOKEN } from '../../helpers/commands.js';
import { testConfig } from '../../helpers/pipeline.js';
import { tempDir } from '../../helpers/tmp.js';
import { testDashboard } from '../helpers.js';

export type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What one Socket.IO client received, in order. */
export interface Seen {
  readings: TelemetryPayload[];
  commands: CommandBody[];
  alarms: Alarm[];
}

export interface Instance {
  dashboard: Dashboard;
  link: RedisLink;
  base: string;
}

/**
 * A dashboard with its own state file and its own MQTT client id, linked to Redis (short retry);
 * `registry`: whether it owns the device registry or follows the owner's snapshot.
 */
export async function startInstance(
  brokerPort: number,
  redisUrl: string,
  name: string,
  registry: 'owner' | 'follower' = 'follower',
): Promise<Instance> {
  const dir = tempDir(`cluster-${name}-`);
  const config = testConfig(dir, brokerPort, {
    DASHBOARD_API_TOKEN: TOKEN,
    DASHBOARD_RATE_LIMIT_PER_MIN: '100000',
    DASHBOARD_STATE_PATH: join(dir, 'dashboard-state.db'),
    DASHBOARD_REGISTRY: registry,
  });
  const link = new RedisLink(
    { url: redisUrl, reconnectMaxMs: 200, blockTimeMs: 500, publishTimeoutMs: 500 },
    silentLogger(),
  );
  const dashboard = testDashboard(config, {
    clientId: `dashboard-${name}-${process.pid}`,
    cluster: link,
  });
  await dashboard.start();
  await Promise.all([dashboard.subscribed, dashboard.commands.subscribed]);
  return { dashboard, link, base: `http://127.0.0.1:${dashboard.port}` };
}

export async function connectClient(instance: Instance, seen: Seen): Promise<Client> {
  const client: Client = io(instance.base, { transports: ['websocket'] });
  client.on('reading', (r) => seen.readings.push(r));
  client.on('command', (c) => seen.commands.push(c));
  client.on('alarm', (a) => seen.alarms.push(a));
  await new Promise<void>((resolve) => client.once('connect', () => resolve()));
  return client;
}

export const emptySeen = (): Seen => ({ readings: [], commands: [], alarms: [] });

/** A vehicle that is online and answers every command with `succeeded`. */
export async function fakeVehicle(brokerPort: number, deviceId: string): Promise<MqttClient> {
  const vehicle = await mqtt.connectAsync({
    host: '127.0.0.1',
    port: brokerPort,
    clientId: deviceId,
  });
  vehicle.on('message', (_topic, payload) => {
    const command = JSON.parse(payload.toString()) as { command_id: string };
    const result = {
      command_id: command.command_id,
      device_id: deviceId,
      status: 'succeeded',
      result: { uptime_s: 1 },
      timestamp: new Date().toISOString(),
    };
    vehicle.publish(`vehicles/${deviceId}/command/result`, JSON.stringify(result), { qos: 1 });
  });
  await vehicle.subscribeAsync(`vehicles/${deviceId}/command`, { qos: 1 });
  const online = { device_id: deviceId, status: 'online', timestamp: new Date().toISOString() };
  await vehicle.publishAsync(`vehicles/${deviceId}/status`, JSON.stringify(online), {
    qos: 1,
    retain: true,
  });
  return vehicle;
}

/** The collector's side of alarms: publishes an open alarm, acknowledges it when asked. */
export class FakeCollector {
  private alarm: AlarmMessage | undefined;

  private constructor(private readonly client: MqttClient) {}

  static async start(brokerPort: number): Promise<FakeCollector> {
    const client = await mqtt.connectAsync({
      host: '127.0.0.1',
      port: brokerPort,
      clientId: `fake-collector-${process.pid}`,
    });
    const collector = new FakeCollector(client);
    client.on('message', (_topic, payload) => collector.onAck(payload));
    await client.subscribeAsync(ALARM_ACK_TOPIC, { qos: 1 });
    return collector;
  }

  async open(deviceId: string): Promise<string> {
    const now = new Date().toISOString();
    this.alarm = {
      id: randomUUID(),
      device_id: deviceId,
      rule: 'overspeed',
      severity: 'warning',
      state: 'open',
      started_at: now,
      updated_at: now,
      cleared_at: null,
      acknowledged_at: null,
      value: 130,
      message: 'speed 130 km/h above the limit 110 km/h',
      version: 1,
    };
    await this.publish(this.alarm);
    return this.alarm.id;
  }

  private onAck(payload: Buffer): void {
    const request = parseAckRequest(payload);
    if (!this.alarm || request?.alarm_id !== this.alarm.id) return;
    const now = new Date().toISOString();
    this.alarm = {
      ...this.alarm,
      state: 'acknowledged',
      acknowledged_at: now,
      updated_at: now,
      version: this.alarm.version + 1,
    };
    void this.publish(this.alarm);
  }

  private async publish(alarm: AlarmMessage): Promise<void> {
    await this.client.publishAsync(
      alarmTopic(alarm.device_id, alarm.rule),
      encodeAlarmMessage(alarm),
      {
        qos: 1,
        retain: true,
      },
    );
  }

  async stop(): Promise<void> {
    await this.client.endAsync();
  }
}
