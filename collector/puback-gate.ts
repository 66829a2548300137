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
  /**
   * Held packet ids (1..65535) as flags: a Set's add and delete per message churned its hash table
   * (11 MB of the collector's allocations per 100,000 readings, V8 heap sampling).
   */
  private readonly held = new Uint8Array(65_536);

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
    target._sendPacket = (packet, cb, ...rest) => {
      const id = packet.messageId;
      if (packet.cmd === 'puback' && id !== undefined && this.held[id] === 1) {
        this.held[id] = 0;
        cb?.();
        return;
      }
      send(packet, cb, ...rest);
    };
    this.client.on('close', () => this.held.fill(0));
  }

  /**
   * A ticket for a message MQTT.js never saw (taken straight from the parser: FAST_PUBLISH_DIRECT
   * in core/mqtt-publish-parser.ts): MQTT.js sends no PUBACK for it, so nothing is held.
   */
  ticket(messageId: number): AckTicket {
    return { messageId, generation: this.generation() };
  }

  /** Call inside handleMessage, before its callback: the PUBACK for this message is held. */
  hold(messageId: number): AckTicket {
    this.held[messageId] = 1;
    return { messageId, generation: this.generation() };
  }

  /**
   * Sends the held PUBACKs, in the order given, that still belong to the live connection: all of
   * them in one socket write. A PUBACK is four fixed bytes (type 0x40, remaining length 2, packet
   * id), valid in MQTT 3.1.1 and 5; MQTT.js keeps no state for PUBACKs it sends, so writing them
   * ourselves skips building a packet object and a stream write per message.
   */
  release(tickets: readonly AckTicket[]): number {
    const stream = (this.client as unknown as { stream?: { write(b: Uint8Array): boolean } })
      .stream;
    if (!stream || !this.client.connected) return 0;
    const current = this.generation();
    const bytes = Buffer.allocUnsafe(tickets.length * 4);
    let n = 0;
    for (const t of tickets) {
      if (t.generation !== current) continue;
      bytes[n * 4] = 0x40;
      bytes[n * 4 + 1] = 0x02;
      bytes.writeUInt16BE(t.messageId, n * 4 + 2);
      n += 1;
    }
    if (n > 0) stream.write(bytes.subarray(0, n * 4));
    return n;
  }
}
