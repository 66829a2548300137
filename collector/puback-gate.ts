// Holds MQTT.js's PUBACKs until the batch holding the message is durable, so many messages can share one commit.
import type { MqttClient } from 'mqtt';

/** One held PUBACK, tied to the connection it arrived on. */
export interface AckTicket {
  messageId: number;
  generation: number;
}

interface Packet {
  cmd: string;
  messageId?: number;
}
type SendPacket = (packet: Packet, cb?: (err?: Error) => void, ...rest: unknown[]) => void;

/**
 * Why this exists: MQTT.js handles incoming packets strictly one at a time and sends the PUBACK
 * of a QoS 1 message when `handleMessage` calls back, before it looks at the next packet. Waiting
 * for the store inside `handleMessage` would therefore give batches of one message (one commit or
 * one HTTP request each). Instead, `handleMessage` records the message, calls back at once, and
 * the PUBACK MQTT.js then tries to send is held here; it goes out when the store has the batch.
 *
 * This wraps MQTT.js's internal `_sendPacket` (checked at install). A PUBACK whose connection is
 * gone is never sent: the broker redelivers that message on the new connection and the store
 * skips it as a duplicate.
 */
export class PubackGate {
  private readonly held = new Set<number>();
  private sendRaw: SendPacket | undefined;

  constructor(
    private readonly client: MqttClient,
    private readonly generation: () => number,
  ) {}

  install(): void {
    const target = this.client as unknown as { _sendPacket?: SendPacket };
    const original = target._sendPacket;
    if (typeof original !== 'function') {
      throw new Error(
        'MQTT.js internals changed: _sendPacket not found; PUBACKs cannot be deferred',
      );
    }
    const send = original.bind(this.client) as SendPacket;
    this.sendRaw = send;
    target._sendPacket = (packet, cb, ...rest) => {
      if (
        packet.cmd === 'puback' &&
        packet.messageId !== undefined &&
        this.held.delete(packet.messageId)
      ) {
        cb?.();
        return;
      }
      send(packet, cb, ...rest);
    };
    this.client.on('close', () => this.held.clear());
  }

  /** Call inside handleMessage, before its callback: the PUBACK for this message is held. */
  hold(messageId: number): AckTicket {
    this.held.add(messageId);
    return { messageId, generation: this.generation() };
  }

  /** Sends the held PUBACKs, in the order given, that still belong to the live connection. */
  release(tickets: readonly AckTicket[]): number {
    const send = this.sendRaw;
    if (!send || !this.client.connected) return 0;
    const current = this.generation();
    let sent = 0;
    for (const t of tickets) {
      if (t.generation !== current) continue;
      send({ cmd: 'puback', messageId: t.messageId });
      sent += 1;
    }
    return sent;
  }
}
