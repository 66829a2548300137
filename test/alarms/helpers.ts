// Building blocks of the alarm tests on real brokers: a rules file, a collector with its alarm engine, a publisher, a webhook receiver.

import { writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import mqtt, { type MqttClient } from 'mqtt';
import { AlarmService } from '../../alarms/alarm-service.js';
import { ruleSetFor } from '../../alarms/create-alarms.js';
import type { WebhookPayload } from '../../alarms/notify/alertmanager.js';
import type { NoticeSender } from '../../alarms/notify/sender.js';
import { Collector } from '../../collector/collector.js';
import { collectorOptions } from '../../collector/create-collector.js';
import type { Config } from '../../core/config.js';
import {
  droppedTopic,
  encodeDropped,
  encodeReading,
  encodeStatus,
  speedTopic,
  statusTopic,
} from '../../core/contract.js';
import { silentLogger } from '../../core/log.js';
import { MqttSession } from '../../core/mqtt-session.js';
import { SqliteStore } from '../../core/store/sqlite-store.js';
import { freePort } from '../../harness/ports.js';
import { RegistryFollower } from '../../registry/follower.js';
import { speedLimitsOf } from '../../registry/speed-limits.js';

/** Short waits, so each rule opens and clears within seconds. */
export const FAST_RULES = `
fresh_within: 30s
notify:
  group_wait: 100ms
  repeat_interval: 0
  retry_initial: 200ms
  retry_max: 1s
rules:
  - {name: overspeed, type: threshold, severity: warning, above: speed_limit, default_limit: 110, for: 1s, clear_margin: 10, clear_for: 1s}
  - {name: offline, type: offline, severity: major, for: 1s}
  - {name: no_data, type: no_data, severity: minor, for: 1500ms}
  - {name: data_loss, type: data_loss, severity: major, clear_after: 1s}
  - {name: fleet_silent, type: fleet_silent, severity: critical, for: 3s}
`;

export function writeRules(dir: string, text = FAST_RULES): string {
  const path = join(dir, 'rules.yaml');
  writeFileSync(path, text);
  return path;
}

/** The collector as create-collector composes it, in-process, with the alarm engine and given senders. */
export function alarmCollector(
  config: Config,
  senders: readonly NoticeSender[] = [],
): { collector: Collector; alarms: AlarmService } {
  const log = silentLogger();
  const registry = new RegistryFollower(log);
  const alarms = new AlarmService(
    { statePath: config.collectorStatePath, rules: ruleSetFor(config), pollMs: 50 },
    { senders, limits: speedLimitsOf(registry), now: Date.now, log },
  );
  const collector = new Collector(
    {
      store: new SqliteStore({ path: config.store.sqlitePath }),
      session: new MqttSession({
        mqtt: config.mqtt,
        clientId: config.collectorClientId,
        clean: false,
        log,
      }),
      log,
      now: Date.now,
      registry,
      extensions: [alarms],
    },
    collectorOptions(config),
  );
  return { collector, alarms };
}

/** A plain MQTT client standing in for vehicles. */
export class Publisher {
  private readonly seqs = new Map<string, number>();

  private constructor(readonly client: MqttClient) {}

  static async connect(port: number): Promise<Publisher> {
    const client = await mqtt.connectAsync({
      host: '127.0.0.1',
      port,
      clientId: `tester-${Math.random().toString(16).slice(2)}`,
      reconnectPeriod: 200,
    });
    return new Publisher(client);
  }

  async reading(deviceId: string, speed: number, at = Date.now()): Promise<void> {
    const seq = this.seqs.get(deviceId) ?? 0;
    this.seqs.set(deviceId, seq + 1);
    const timestamp = new Date(at).toISOString();
    const payload = encodeReading({ device_id: deviceId, seq, timestamp, speed });
    await this.client.publishAsync(speedTopic(deviceId), payload, { qos: 1 });
  }

  /** One reading every `everyMs`, `count` times. */
  async drive(deviceId: string, speed: number, count: number, everyMs = 100): Promise<void> {
    for (let i = 0; i < count; i++) {
      await this.reading(deviceId, speed);
      await new Promise((r) => setTimeout(r, everyMs));
    }
  }

  async status(deviceId: string, status: 'online' | 'offline'): Promise<void> {
    const timestamp = new Date().toISOString();
    const payload = encodeStatus({ device_id: deviceId, status, timestamp });
    await this.client.publishAsync(statusTopic(deviceId), payload, { qos: 1, retain: true });
  }

  async dropped(deviceId: string, from: number, to: number): Promise<void> {
    const timestamp = new Date().toISOString();
    const payload = encodeDropped({ device_id: deviceId, from, to, timestamp });
    await this.client.publishAsync(droppedTopic(deviceId), payload, { qos: 1 });
  }

  async end(): Promise<void> {
    await this.client.endAsync(true);
  }
}

/** A real HTTP receiver: answers 503 until `refuseUntil`, then 200, recording every payload it took. */
export class WebhookReceiver {
  private server: Server | undefined;
  port = 0;
  refuseUntil = 0;
  refused = 0;
  readonly accepted: Array<{ payload: WebhookPayload; key: string | undefined; at: number }> = [];

  get url(): string {
    return `http://127.0.0.1:${this.port}/alerts`;
  }

  async start(): Promise<void> {
    this.port = await freePort();
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        if (Date.now() < this.refuseUntil) {
          this.refused += 1;
          res.writeHead(503).end('down for maintenance');
          return;
        }
        const key = req.headers['idempotency-key'];
        this.accepted.push({
          payload: JSON.parse(Buffer.concat(chunks).toString('utf8')) as WebhookPayload,
          key: typeof key === 'string' ? key : undefined,
          at: Date.now(),
        });
        res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(this.port, '127.0.0.1', resolve));
  }

  /** Every alert received, as `status rule device`. */
  notices(): string[] {
    return this.accepted.flatMap((a) =>
      a.payload.alerts.map(
        (x) => `${x.status} ${x.labels.alertname} ${x.labels.device_id ?? 'fleet'}`,
      ),
    );
  }

  /**
   * Every alert received once per batch, as a receiver that honours `Idempotency-Key` sees them: a
   * batch accepted just before the collector was SIGKILLed comes again with the same key
   * (at-least-once delivery, docs/alarms.md) and is dropped here.
   */
  deliveredNotices(): string[] {
    return this.onceByKey().flatMap((a) =>
      a.payload.alerts.map(
        (x) => `${x.status} ${x.labels.alertname} ${x.labels.device_id ?? 'fleet'}`,
      ),
    );
  }

  noticeIds(): string[] {
    return this.accepted.flatMap((a) => a.payload.alerts.map((x) => x.notice_id));
  }

  /** The notice ids a receiver honouring `Idempotency-Key` keeps: each batch once. */
  deliveredNoticeIds(): string[] {
    return this.onceByKey().flatMap((a) => a.payload.alerts.map((x) => x.notice_id));
  }

  /** The accepted batches, a repeated `Idempotency-Key` dropped. */
  private onceByKey(): typeof this.accepted {
    const seen = new Set<string>();
    return this.accepted.filter((a) => {
      if (a.key === undefined) return true;
      if (seen.has(a.key)) return false;
      seen.add(a.key);
      return true;
    });
  }

  /** Keys whose repeated batches are not the same notices: a repeat must be the batch itself. */
  repeatsThatDiffer(): string[] {
    const first = new Map<string, string>();
    const differ = new Set<string>();
    for (const a of this.accepted) {
      if (a.key === undefined) continue;
      const ids = a.payload.alerts.map((x) => x.notice_id).join(',');
      const before = first.get(a.key);
      if (before === undefined) first.set(a.key, ids);
      else if (before !== ids) differ.add(a.key);
    }
    return [...differ];
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      this.server ? this.server.close(() => resolve()) : resolve(),
    );
  }
}
