// The dashboard's command store: every command and its state, durable (a queued command is never lost), behind one small interface.
import type { CommandResultStatus } from '../../core/contract.js';
import type { CommandStatus } from '../../core/dashboard-contract.js';

export interface StoredCommand {
  commandId: string;
  deviceId: string;
  name: string;
  params: Record<string, unknown>;
  status: CommandStatus;
  /** ms since the epoch, server clock. */
  createdAt: number;
  updatedAt: number;
  expiresAt: number;
  /** First handed to MQTT (internal: a command never handed over can expire unseen). */
  publishedAt: number | undefined;
  /** The broker acknowledged it (status sent). */
  sentAt: number | undefined;
  result: Record<string, unknown> | undefined;
  error: string | undefined;
}

export interface NewCommand {
  commandId: string;
  deviceId: string;
  name: string;
  params: Record<string, unknown>;
  createdAt: number;
  expiresAt: number;
}

/** A vehicle's answer as the dashboard records it (`expired` when the vehicle refused it as such). */
export interface Answer {
  status: CommandResultStatus | 'expired';
  result: Record<string, unknown> | undefined;
  error: string | undefined;
}

/** Still waiting for something: the vehicle's turn (queued) or its answer (sent). */
export const PENDING: readonly CommandStatus[] = ['queued', 'sent'];
/** States a vehicle's answer may still replace: it answers after all (see recordAnswer). */
export const ANSWERABLE: readonly CommandStatus[] = ['queued', 'sent', 'timed_out'];

/**
 * Synchronous on purpose (SQLite via better-sqlite3): an answer is stored inside the MQTT message
 * handler, so the PUBACK that lets the broker forget it goes out only once it is on disk. Every
 * transition returns the changed command, or undefined when the command was not in a state it
 * applies to (a duplicate answer, a PUBACK after the answer): callers emit only real changes.
 */
export interface CommandStore {
  start(): void;
  insert(command: NewCommand): StoredCommand;
  get(commandId: string): StoredCommand | undefined;
  /** A vehicle's commands, newest first. */
  list(deviceId: string, limit: number): StoredCommand[];
  /** The vehicle's oldest pending command: the one in flight, or the next to send. */
  head(deviceId: string): StoredCommand | undefined;
  pendingCount(deviceId: string): number;
  /** Vehicles with at least one pending command. */
  pendingDevices(): string[];
  /** The first hand-over to MQTT (kept once: later republishes do not move it). */
  markPublished(commandId: string, at: number): void;
  /** queued → sent, on the broker's PUBACK. */
  markSent(commandId: string, at: number): StoredCommand | undefined;
  /** The vehicle's answer, for a command of that vehicle in an ANSWERABLE state. */
  recordAnswer(
    commandId: string,
    deviceId: string,
    answer: Answer,
    at: number,
  ): StoredCommand | undefined;
  /**
   * Commands whose time is up at `now`: queued and never handed over past expires_at → expired;
   * queued but handed over (the PUBACK was lost to a restart) past expires_at → timed_out; sent
   * longer than `timeoutMs` ago → timed_out.
   */
  settleDue(now: number, timeoutMs: number): StoredCommand[];
  /** When settleDue next has something to do; undefined: nothing pending. */
  nextDeadline(timeoutMs: number): number | undefined;
  /** Deletes settled commands last updated before `before`; returns how many. */
  prune(before: number): number;
  stop(): void;
}
