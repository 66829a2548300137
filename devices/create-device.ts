// Composition of one real device: SQLite queue (and command journal), MQTT session with last will, seeded vehicle on the street grid, command channel.

import type { Config } from '../core/config.js';
import { encodeStatus, statusTopic } from '../core/contract.js';
import type { Logger } from '../core/log.js';
import type { LogDigest } from '../core/log-digest.js';
import { MqttSession } from '../core/mqtt-session.js';
import { Device } from './device.js';
import { LocalFrame } from './drive/local-frame.js';
import { StreetGrid } from './drive/street-grid.js';
import { VehicleMemory } from './drive/vehicle-memory.js';
import { VehicleSim } from './drive/vehicle-sim.js';
import { FIRMWARE } from './firmware.js';
import { HealthReporter } from './health-reporter.js';
import { perDeviceQueueFile, type QueueDatabase } from './offline-queue.js';
import { createRandom, deviceSeed, type Random } from './rng.js';
import type { TickWheel } from './tick-wheel.js';
import { VehicleCommands } from './vehicle-commands.js';

export interface CreateDeviceOptions {
  limit?: number;
  phaseMs?: number;
  stallMs?: number;
  /** The shared queue file of a fleet; absent: the device's own `{QUEUE_DIR}/{id}.db`. */
  queueFile?: QueueDatabase;
  /** The fleet's shared timer (with queueFile); absent: the device's own ticker. */
  wheel?: TickWheel;
  /** The street grid a fleet shares (it is the same city for all); absent: one of its own. */
  grid?: StreetGrid;
  /** The fleet's summary of per-vehicle lines (resends); absent: each at info. */
  digest?: LogDigest;
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
  // The queue and the command journal share one file (the fleet's, or the vehicle's own).
  const file = options.queueFile ?? perDeviceQueueFile(devices.queueDir, deviceId);
  const session = new MqttSession({
    mqtt: config.mqtt,
    clientId: deviceId,
    clean: false,
    will,
    log,
  });
  const now = Date.now;
  // The vehicle carries on where it was after a restart: its state lives in the queue file.
  const memory = new VehicleMemory(createVehicle(config, random, options.grid), () =>
    file.open().vehicleMemory(deviceId),
  );
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
      openQueue: () => file.open().queue(deviceId, devices.queueMax),
      session,
      ...(options.wheel ? { wheel: options.wheel } : {}),
      model: memory,
      commands: new VehicleCommands({
        deviceId,
        session,
        openJournal: () =>
          file
            .open()
            .journal(deviceId, { now, failSettings: devices.fault === 'command-store-error' }),
        now,
        log,
        fault: devices.fault,
      }),
      now,
      log,
      ...(options.digest ? { digest: options.digest } : {}),
      addons: [memory, health],
    },
  );
}

/** The simulated vehicle as SIM_CENTER, PARKED_INTERVAL_S and SIM_BAD_FIX_RATE configure it. */
export function createVehicle(
  config: Pick<Config, 'sim'>,
  random: Random,
  grid: StreetGrid = new StreetGrid(),
): VehicleSim {
  return new VehicleSim(
    {
      grid,
      frame: new LocalFrame(config.sim.center),
      parkedIntervalMs: config.sim.parkedIntervalS * 1000,
      badFixRate: config.sim.badFixRate,
    },
    random,
  );
}

/** vehicle_01 … vehicle_10: at least two digits, so an id does not change with the fleet size. */
export function fleetIds(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}${String(i + 1).padStart(2, '0')}`);
}
