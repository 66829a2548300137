// The vehicle's command channel: its own command topic in (QoS 1, persistent session), each answer out on its result topic, unacknowledged answers sent again.

import type { Fault } from '../core/config.js';
import { commandResultTopic, commandTopic } from '../core/contract.js';
import type { Logger } from '../core/log.js';
import type { MqttSession } from '../core/mqtt-session.js';
import { CommandExecutor, type VehicleControls } from './command-executor.js';
import type { CommandJournal, VehicleSettings } from './command-journal.js';

export interface VehicleCommandsDeps {
  deviceId: string;
  session: MqttSession;
  /** Called by start(): the journal lives in the vehicle's queue file. */
  openJournal: () => CommandJournal;
  now: () => number;
  log: Logger;
  fault?: Fault | undefined;
  /** How an injected crash happens; default: SIGKILL to this process. */
  crash?: () => void;
}

export class VehicleCommands {
  private journal: CommandJournal | undefined;
  private closed = false;

  constructor(private readonly deps: VehicleCommandsDeps) {}

  /**
   * Opens the journal and attaches to the session's client (created, not connected yet), so a
   * command the broker kept for this vehicle is handled from the first CONNACK on. Returns the
   * settings earlier commands left, for the vehicle to start with.
   */
  start(controls: VehicleControls): VehicleSettings {
    const { deviceId, session, log, now } = this.deps;
    const journal = this.deps.openJournal();
    this.journal = journal;
    this.closed = false;
    const executor = new CommandExecutor({
      deviceId,
      journal,
      controls,
      now,
      log,
      fault: this.deps.fault,
      crash: this.deps.crash ?? (() => process.kill(process.pid, 'SIGKILL')),
    });
    const client = session.mqtt;
    const topic = commandTopic(deviceId);
    client.on('connect', () => {
      client.subscribe(topic, { qos: 1 });
      // An answer the broker never acknowledged (a crash, a dropped connection) goes out again;
      // the dashboard keeps the first result it gets.
      for (const { commandId, answer } of journal.undelivered()) this.answer(commandId, answer);
    });
    // Synchronous on purpose: MQTT.js sends the PUBACK once this returns, so the command is
    // recorded (or, after a crash, redelivered) before the broker forgets it.
    client.on('message', (t, payload) => {
      if (t !== topic || this.closed) return;
      try {
        const outcome = executor.handle(payload);
        if (outcome) this.answer(outcome.commandId, outcome.payload);
      } catch (err) {
        log.error({ device: deviceId, err: (err as Error).message }, 'command handling failed');
      }
    });
    return journal.settings();
  }

  private answer(commandId: string, payload: string): void {
    const client = this.deps.session.mqtt;
    if (!client.connected) return; // sent again after the next connect
    client.publish(commandResultTopic(this.deps.deviceId), payload, { qos: 1 }, (err) => {
      if (!err && !this.closed) this.journal?.markDelivered(commandId);
    });
  }

  /** After the session stopped: closes the journal. Safe twice. */
  stop(): void {
    if (this.closed) return;
    this.closed = true;
    this.journal?.close();
  }
}
