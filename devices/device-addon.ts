// What a vehicle behaviour beside the core loop (health, commands) gets from its device: the MQTT client, the id, the counters.
import type { MqttClient } from 'mqtt';
import type { DeviceStats } from './device.js';

export interface DeviceContext {
  deviceId: string;
  /** The device's session client: attach 'connect' / 'message' listeners, publish while connected. */
  client: MqttClient;
  stats: () => DeviceStats;
}

/**
 * Attached by Device.start() after its client exists and before the first CONNECT goes out, so a
 * 'connect' listener sees every connection; stopped before the device says offline.
 */
export interface DeviceAddon {
  attach(ctx: DeviceContext): void;
  stop(): void | Promise<void>;
}
