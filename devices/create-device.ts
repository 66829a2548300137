// Composition of one real device: SQLite queue, MQTT session with last will, seeded speed model.

import type { Config } from '../core/config.js';
import { encodeStatus, statusTopic } from '../core/contract.js';
import type { Logger } from '../core/log.js';
import { MqttSession } from '../core/mqtt-session.js';
import { Device } from './device.js';
import { FIRMWARE } from './firmware.js';
import { HealthReporter } from './health-reporter.js';
import { openSqliteQueue, type QueueDatabase } from './offline-queue.js';
import { createRandom, deviceSeed } from './rng.js';
import { SpeedModel } from './speed-model.js';
import type { TickWheel } from './tick-wheel.js';

export interface CreateDeviceOptions {
  limit?: number;
  phaseMs?: number;
  stallMs?: number;
  /** The shared queue file of a fleet; absent: the device's own `{QUEUE_DIR}/{id}.db`. */
  queueFile?: QueueDatabase;
  /** The fleet's shared timer (with queueFile); absent: the device's own ticker. */
  wheel?: TickWheel;
}

export function createDevice(
  config: Config,
  deviceId: string,
  log: Logger,
  options: CreateDeviceOptions = {},
): Device {
  const { devices } = config;
  const random = createRandom(
    devices.seed === undefined ? undefined : deviceSeed(devices.seed, deviceId),
  );
  const will = {
    topic: statusTopic(deviceId),
    payload: encodeStatus({
      device_id: deviceId,
      status: 'offline',
      timestamp: new Date().toISOString(),
    }),
    qos: 1 as const,
    retain: true,
  };
  const health = new HealthReporter(
    {
      intervalMs: devices.healthIntervalS * 1000,
      // The same place in the health interval as in the publish interval: a fleet's health
      // messages are spread out, not sent all at once.
      phaseMs: Math.floor(
        ((options.phaseMs ?? 0) / devices.intervalMs) * devices.healthIntervalS * 1000,
      ),
      firmware: FIRMWARE,
    },
    Date.now,
  );
  return new Device(
    {
      deviceId,
      intervalMs: devices.intervalMs,
      ackMode: config.delivery.ackMode,
      resendAfterMs: config.delivery.resendAfterMs,
      ...(options.limit === undefined ? {} : { limit: options.limit }),
      ...(options.phaseMs === undefined ? {} : { phaseMs: options.phaseMs }),
      ...(options.stallMs === undefined ? {} : { stallMs: options.stallMs }),
    },
    {
      openQueue: () =>
        options.queueFile
          ? options.queueFile.queue(deviceId, devices.queueMax)
          : openSqliteQueue({ dir: devices.queueDir, deviceId, capacity: devices.queueMax }),
      session: new MqttSession({ mqtt: config.mqtt, clientId: deviceId, clean: false, will, log }),
      ...(options.wheel ? { wheel: options.wheel } : {}),
      model: new SpeedModel(random),
      now: Date.now,
      log,
      addons: [health],
    },
  );
}

/** vehicle_01 … vehicle_10: at least two digits, so an id does not change with the fleet size. */
export function fleetIds(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}`);
}
