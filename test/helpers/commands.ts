// Building blocks for command tests: POSTs with the token, waiting for a status, the vehicle's journal as its queue file holds it.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import type { CommandBody, CommandStatus } from '../../core/dashboard-contract.js';
import { waitFor } from '../../harness/wait.js';

export const TOKEN = 'test-token-0123456789abcdef';

export interface Answer<T = unknown> {
  status: number;
  body: T;
}

export async function postCommand(
  base: string,
  deviceId: string,
  body: unknown,
  token: string | undefined = TOKEN,
): Promise<Answer<{ command_id: string; status: string; error?: string; message?: string }>> {
  const res = await fetch(new URL(`/api/devices/${encodeURIComponent(deviceId)}/commands`, base), {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json()) as never };
}

/** POSTs and expects the 202; returns the command id. */
export async function sendCommand(base: string, deviceId: string, body: unknown): Promise<string> {
  const answer = await postCommand(base, deviceId, body);
  if (answer.status !== 202)
    throw new Error(`POST: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body.command_id;
}

export async function getCommand(base: string, commandId: string): Promise<CommandBody> {
  const res = await fetch(new URL(`/api/commands/${commandId}`, base));
  if (res.status !== 200) throw new Error(`GET command: ${res.status}`);
  return (await res.json()) as CommandBody;
}

export async function listCommands(base: string, deviceId: string): Promise<CommandBody[]> {
  const res = await fetch(new URL(`/api/devices/${deviceId}/commands`, base));
  return (await res.json()) as CommandBody[];
}

export function waitForStatus(
  base: string,
  commandId: string,
  statuses: readonly CommandStatus[],
  timeoutMs = 20_000,
): Promise<CommandBody> {
  return waitFor(
    () => getCommand(base, commandId),
    (c) => statuses.includes(c.status),
    { timeoutMs, what: `command ${commandId} ${statuses.join('|')}` },
  );
}

export interface JournalRow {
  command_id: string;
  answer: string;
  deliveries: number;
  delivered: number;
}

/** The vehicle's command journal (per-device queue file); [] when the file or table is not there yet. */
export function journalRows(queueDir: string, deviceId: string): JournalRow[] {
  const path = join(queueDir, `${deviceId}.db`);
  if (!existsSync(path)) return [];
  const db = new Database(path, { readonly: true, fileMustExist: true });
  try {
    return db
      .prepare(
        'SELECT command_id, answer, deliveries, delivered FROM commands WHERE device_id = ? ORDER BY recorded_at',
      )
      .all(deviceId) as JournalRow[];
  } catch {
    return [];
  } finally {
    db.close();
  }
}

export function journalSettings(
  queueDir: string,
  deviceId: string,
): { interval_ms: number | null; speed_limit_kmh: number | null } | undefined {
  const db = new Database(join(queueDir, `${deviceId}.db`), {
    readonly: true,
    fileMustExist: true,
  });
  try {
    return db
      .prepare('SELECT interval_ms, speed_limit_kmh FROM settings WHERE device_id = ?')
      .get(deviceId) as { interval_ms: number | null; speed_limit_kmh: number | null } | undefined;
  } finally {
    db.close();
  }
}
