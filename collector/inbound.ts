// The collector's MQTT message handler: the registry snapshot to its follower; everything else, once the registry is known (DEVICE_ALLOWLIST), into the pipeline with its PUBACK held.
import type { IPublishPacket } from 'mqtt';
import { REGISTRY_TOPIC } from '../core/contract.js';
import type { Logger } from '../core/log.js';
import type { RegistryFollower } from '../registry/follower.js';
import type { Ingest } from './ingest.js';
import type { PubackGate } from './puback-gate.js';
import { RegistryHold } from './registry-hold.js';

export interface InboundDeps {
  gate: PubackGate;
  ingest: Ingest;
  registry: RegistryFollower;
  log: Logger;
  /** DEVICE_ALLOWLIST: nothing is judged before the first registry snapshot (see registry-hold.ts). */
  allowlist: boolean;
  registryWarnMs: number;
  maxPending: number;
}

export interface Inbound {
  handleMessage: (packet: IPublishPacket, callback: (err?: Error) => void) => void;
  /**
   * The same for a PUBLISH taken straight from the parser (FAST_PUBLISH_DIRECT): false, and
   * nothing done, when it must go through handleMessage instead (the registry snapshot, messages
   * held for it, or the message that fills the pipeline: backpressure works by calling MQTT.js
   * back later, so MQTT.js reads nothing after it, exactly as when every message went that way).
   */
  deliver: (topic: string, payload: Buffer, qos: number, messageId: number | undefined) => boolean;
  /** Set with DEVICE_ALLOWLIST: messages waiting for the registry (start() it, stop() it). */
  hold: RegistryHold | undefined;
}

export function toBytes(payload: Buffer | string): Uint8Array {
  return typeof payload === 'string' ? Buffer.from(payload) : payload;
}

export function inbound(deps: InboundDeps): Inbound {
  const { gate, ingest, registry } = deps;
  // Backpressure: past maxPending, MQTT.js reads no further packet until the store catches up.
  const afterRoom = (callback: () => void) => {
    if (ingest.full) ingest.waitForRoom().then(() => callback());
    else callback();
  };
  const hold = deps.allowlist
    ? new RegistryHold({
        log: deps.log,
        deliver: (topic, payload, ticket) => ingest.accept(topic, payload, ticket),
        resume: afterRoom,
        maxHeld: deps.maxPending,
        warnEveryMs: deps.registryWarnMs,
      })
    : undefined;
  if (hold) registry.onSnapshot(() => hold.release());
  return {
    hold,
    deliver: (topic, payload, qos, messageId) => {
      if (topic === REGISTRY_TOPIC || hold?.holding || ingest.lastRoom) return false;
      const ticket = qos > 0 && messageId !== undefined ? gate.ticket(messageId) : undefined;
      ingest.accept(topic, payload, ticket);
      return true;
    },
    handleMessage: (packet, callback) => {
      if (packet.topic === REGISTRY_TOPIC) {
        registry.accept(toBytes(packet.payload));
        callback();
        return;
      }
      const ticket =
        packet.qos > 0 && packet.messageId !== undefined ? gate.hold(packet.messageId) : undefined;
      if (hold?.holding) {
        hold.hold(packet.topic, toBytes(packet.payload), ticket, () => callback());
        return;
      }
      ingest.accept(packet.topic, toBytes(packet.payload), ticket);
      if (ingest.full) ingest.waitForRoom().then(() => callback());
      else callback(); // no closure per message on the common path
    },
  };
}
