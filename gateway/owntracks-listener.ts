// The OwnTracks input (OWNTRACKS=true): a persistent session subscribed to owntracks/+/+; a message is acknowledged to the broker only once its fix is durable.
import type { Logger } from '../core/log.js';
import type { MqttSession } from '../core/mqtt-session.js';
import type { Intake } from './intake.js';
import { decodeOwnTracks, OWNTRACKS_SUBSCRIPTION } from './owntracks.js';

export interface OwnTracksCounters {
  messages: number;
  stored: number;
  duplicates: number;
  /** Other `_type`s, by type. */
  ignored: Record<string, number>;
  invalid: number;
  refused: number;
}

/** A full queue is asked again after this long (the broker holds the message meanwhile). */
const RETRY_MS = 1000;

/**
 * Why a handler of MQTT.js's own (handleMessage) and not the 'message' event: MQTT.js sends the
 * PUBACK when the handler calls back and reads the next message only then, so the broker keeps a
 * message until it is on disk here, and a full queue holds the session back instead of losing.
 */
export class OwnTracksListener {
  private stopped = false;
  readonly counters: OwnTracksCounters = {
    messages: 0,
    stored: 0,
    duplicates: 0,
    ignored: {},
    invalid: 0,
    refused: 0,
  };

  constructor(
    private readonly session: MqttSession,
    private readonly intake: Intake,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    const client = this.session.create();
    client.on('connect', () => {
      client.subscribe(OWNTRACKS_SUBSCRIPTION, { qos: 1 }, (err) => {
        if (err) this.log.warn({ err: err.message }, 'owntracks subscription failed');
        else this.log.info({ topic: OWNTRACKS_SUBSCRIPTION }, 'owntracks subscribed');
      });
    });
    client.handleMessage = (packet, done) => {
      this.take(packet.topic, packet.payload as Buffer)
        .then(() => done())
        .catch((err: unknown) => {
          // Not acknowledged: the broker sends it again after the next reconnect.
          this.log.error({ err }, 'owntracks message not stored');
          done(err as Error);
        });
    };
    this.session.start();
  }

  private async take(topic: string, payload: Buffer): Promise<void> {
    this.counters.messages += 1;
    const decoded = decodeOwnTracks(topic, payload);
    if (decoded.kind === 'ignored') {
      this.counters.ignored[decoded.type] = (this.counters.ignored[decoded.type] ?? 0) + 1;
      return;
    }
    if (decoded.kind === 'invalid') {
      this.counters.invalid += 1;
      this.log.debug({ topic, reason: decoded.reason }, 'owntracks message refused');
      return;
    }
    for (;;) {
      const result = await this.intake.accept('owntracks', decoded.deviceId, [decoded.fix]);
      if (result.ok) {
        this.counters.stored += result.stored;
        this.counters.duplicates += result.duplicates;
        return;
      }
      // Stopping with the queue full: not acknowledged, the broker keeps it for the next start.
      if (result.status === 503 && this.stopped) throw new Error(result.reason);
      // Unknown device (allow-list), or nothing usable: counted and dropped.
      if (result.status !== 503) {
        this.counters.refused += 1;
        this.log.debug({ topic, reason: result.reason }, 'owntracks location refused');
        return;
      }
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.session.stop();
  }
}
