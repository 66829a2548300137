// Registry names held in memory for the fleet table (filter and sort every second need them synchronously).
import type { Logger } from '../../core/log.js';
import type { RegistryEntry } from '../../registry/entry.js';

export interface NameSource {
  list(): Promise<RegistryEntry[]>;
}

export class NameCache {
  private names = new Map<string, string>();
  private refreshing: Promise<void> | undefined;

  constructor(
    private readonly source: NameSource,
    private readonly log: Logger,
  ) {}

  get(deviceId: string): string | null {
    return this.names.get(deviceId) ?? null;
  }

  /** Re-reads the registry (after a change, and now and then); concurrent calls share one read. */
  refresh(): Promise<void> {
    this.refreshing ??= this.source
      .list()
      .then((entries) => {
        const next = new Map<string, string>();
        for (const e of entries) if (e.name !== null) next.set(e.device_id, e.name);
        this.names = next;
      })
      .catch((err: unknown) => {
        this.log.warn({ err: (err as Error).message }, 'registry names not refreshed');
      })
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }
}
