// What a capability riding on the collector (alarms, ...) plugs into: its MQTT client, its server topics, and what the collector sees.
import type { MqttClient } from 'mqtt';
import type { DroppedNotice, HealthMessage, Reading, StatusMessage } from '../core/contract.js';
import type { WriteResult } from '../core/store/types.js';

/**
 * The collector sees every stored reading once through its persistent session (plus statuses,
 * health and dropped notices): an extension hears each of them from it, and may subscribe to
 * server-to-server topics under fleet/ on the same session.
 */
export interface CollectorExtension {
  /** Its key in the collector's stats. */
  readonly name: string;
  /** Exact topics (no wildcards) subscribed at QoS 1 beside vehicles/#. */
  readonly topics: readonly string[];
  /** The client exists and is not connected yet: attach listeners, open state. */
  start(client: MqttClient): void | Promise<void>;
  /** On every CONNACK. */
  onConnect?(): void;
  /** On every SUBACK of the collector's subscriptions. */
  onSubscribed?(): void;
  /** When an established connection to the broker is lost. */
  onDisconnect?(): void;
  /** A message on one of `topics`, handled synchronously: its PUBACK goes out after this returns. */
  onMessage?(topic: string, payload: Uint8Array): void;
  /**
   * After each durable write and before its PUBACKs, awaited: derived data that must not be lost
   * with a crash (trips) is written here, so a batch it did not reach is redelivered. Never throws.
   */
  settle?(readings: readonly Reading[], result: WriteResult): Promise<void>;
  /**
   * After each durable write: its readings (duplicates included), devices' dropped notices, and
   * each reading's timestamp as epoch ms (index for index, as validation parsed it).
   */
  onStored?(
    readings: readonly Reading[],
    dropped: readonly DroppedNotice[],
    times: readonly number[],
  ): void;
  onStatus?(status: StatusMessage): void;
  onHealth?(health: HealthMessage): void;
  /** Figures for the collector's `stats` log line. */
  stats?(): Record<string, number>;
  /** After the last write, before the session closes. */
  stop(): Promise<void>;
}
