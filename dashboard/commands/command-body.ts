// A stored command as the API and the `command` event show it (snake_case, ISO times; internal fields left out).
import type { CommandBody } from '../../core/dashboard-contract.js';
import type { StoredCommand } from './command-store.js';

export function commandBody(c: StoredCommand): CommandBody {
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    command_id: c.commandId,
    device_id: c.deviceId,
    name: c.name,
    params: c.params,
    status: c.status,
    created_at: iso(c.createdAt),
    updated_at: iso(c.updatedAt),
    expires_at: iso(c.expiresAt),
    ...(c.result === undefined ? {} : { result: c.result }),
    ...(c.error === undefined ? {} : { error: c.error }),
  };
}
