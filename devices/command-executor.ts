// The vehicle's side of a command: recognise a redelivery by its id, refuse what expired or is unknown, execute once, record effect and answer together.
import {
  COMMAND_PARAMS,
  EXPIRED_ERROR,
  encodeCommandResult,
  isKnownCommand,
  paramsProblem,
  parseCommand,
} from '../core/commands.js';
import type { Fault } from '../core/config.js';
import type { CommandMessage, CommandResultMessage } from '../core/contract.js';
import type { Logger } from '../core/log.js';
import type { CommandJournal, SettingChange } from './command-journal.js';

/** What a command may change on the vehicle (the Device implements it). */
export interface VehicleControls {
  setPublishInterval(ms: number): void;
  setSpeedLimit(kmh: number | null): void;
  uptimeS(): number;
}

export interface CommandExecutorDeps {
  deviceId: string;
  journal: CommandJournal;
  controls: VehicleControls;
  now: () => number;
  log: Logger;
  /** Test-only FAULT_INJECTION. */
  fault?: Fault | undefined;
  /** How an injected crash happens (production: SIGKILL to this process). */
  crash: () => void;
}

/** The answer to publish (undefined: the message had no usable id, nothing to answer). */
export interface Outcome {
  commandId: string;
  payload: string;
  /** false: a redelivery answered with the first result, nothing executed. */
  executed: boolean;
}

interface Verdict {
  status: CommandResultMessage['status'];
  result?: Record<string, unknown>;
  error?: string;
  change?: SettingChange;
}

/**
 * Exactly once: MQTT.js sends the PUBACK of the command only after this returns (everything here
 * is synchronous), and the answer and the setting are committed together before that. A crash
 * before the commit leaves no trace (the broker redelivers, it runs then); a crash after it is
 * answered on redelivery from the journal, without running again.
 */
export class CommandExecutor {
  constructor(private readonly deps: CommandExecutorDeps) {}

  handle(payload: Uint8Array): Outcome | undefined {
    const { journal, log, deviceId } = this.deps;
    const parsed = parseCommand(payload);
    const commandId = parsed.ok ? parsed.command.command_id : parsed.commandId;
    if (commandId === undefined) {
      log.warn({ device: deviceId }, 'ignoring a command without a usable command_id');
      return undefined;
    }
    const known = journal.find(commandId);
    if (known) {
      journal.noteDelivery(commandId);
      log.info(
        { device: deviceId, commandId },
        'command delivered again: answering with its first result',
      );
      return { commandId, payload: known.answer, executed: false };
    }
    if (this.deps.fault === 'command-crash-before-commit') this.deps.crash();
    const now = this.deps.now();
    const verdict = parsed.ok
      ? this.decide(parsed.command, now)
      : { status: 'rejected' as const, error: parsed.problem };
    const expiresAt = parsed.ok ? Date.parse(parsed.command.expires_at) : now;
    const answer = this.commit(commandId, expiresAt, verdict, now);
    log.info(
      {
        device: deviceId,
        commandId,
        name: parsed.ok ? parsed.command.name.slice(0, 64) : undefined,
        status: verdict.status,
      },
      'command executed',
    );
    if (this.deps.fault === 'command-crash-after-commit') this.deps.crash();
    return { commandId, payload: answer, executed: true };
  }

  /** What the command does, without doing it yet (the effect follows the commit). */
  private decide(command: CommandMessage, now: number): Verdict {
    if (!(Date.parse(command.expires_at) > now))
      return { status: 'rejected', error: EXPIRED_ERROR };
    const { name } = command;
    if (!isKnownCommand(name)) {
      return {
        status: 'rejected',
        error: `unknown command: this vehicle runs ping, set_interval and set_speed_limit`,
      };
    }
    const params = COMMAND_PARAMS[name].safeParse(command.params);
    if (!params.success)
      return { status: 'rejected', error: `invalid params: ${paramsProblem(params.error)}` };
    const p = params.data as Record<string, unknown>;
    switch (name) {
      case 'ping':
        return { status: 'succeeded', result: { uptime_s: this.deps.controls.uptimeS() } };
      case 'set_interval': {
        const intervalMs = p.interval_ms as number;
        return { status: 'succeeded', result: { interval_ms: intervalMs }, change: { intervalMs } };
      }
      case 'set_speed_limit': {
        const speedLimitKmh = p.speed_kmh as number | null;
        return {
          status: 'succeeded',
          result: { speed_kmh: speedLimitKmh },
          change: { speedLimitKmh },
        };
      }
    }
  }

  /** Records the answer (and the setting) durably, then applies the effect; returns the answer. */
  private commit(commandId: string, expiresAt: number, verdict: Verdict, now: number): string {
    const { journal, log, deviceId } = this.deps;
    const encode = (v: Verdict) =>
      encodeCommandResult({
        command_id: commandId,
        device_id: deviceId,
        status: v.status,
        ...(v.result === undefined ? {} : { result: v.result }),
        ...(v.error === undefined ? {} : { error: v.error }),
        timestamp: new Date(now).toISOString(),
      });
    let answer = encode(verdict);
    try {
      journal.record(commandId, expiresAt, answer, verdict.change);
    } catch (err) {
      // The setting could not be kept, so it is not applied either: the command failed.
      log.error(
        { device: deviceId, commandId, err: (err as Error).message },
        'command not recorded',
      );
      const error = verdict.change
        ? 'the vehicle could not store the setting'
        : 'the vehicle could not record the command';
      answer = encode({ status: 'failed', error });
      try {
        journal.record(commandId, expiresAt, answer);
      } catch {
        // Not recorded at all: a redelivery runs it again, which is harmless since nothing was
        // applied (only settings change anything, and none was).
      }
      return answer;
    }
    const change = verdict.change;
    if (change && 'intervalMs' in change) this.deps.controls.setPublishInterval(change.intervalMs);
    else if (change) this.deps.controls.setSpeedLimit(change.speedLimitKmh);
    return answer;
  }
}
