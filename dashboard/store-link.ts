// The dashboard's read-only store handle: opens it, and keeps retrying while it cannot (no file yet, backend down).
import type { Logger } from '../core/log.js';
import type { TelemetryStore } from '../core/store/types.js';
import { StoreUnavailableError } from './errors.js';

export interface StoreLinkDeps {
  /** A fresh store per attempt: a half-opened one is discarded, not reused. */
  create: () => TelemetryStore;
  log: Logger;
  retryMs: number;
  /** Runs once the store is open (the board is seeded from it). */
  onOpen: (store: TelemetryStore) => Promise<void>;
}

/**
 * Why retry instead of failing: `npm run dashboard` may start before the collector has created the
 * SQLite file (a reader must not create it), or while InfluxDB is still starting. Until the store
 * opens, the data routes answer 503 and live data still flows.
 */
export class StoreLink {
  private store: TelemetryStore | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;

  constructor(private readonly deps: StoreLinkDeps) {}

  /** Tries once now; on failure retries in the background. Never throws. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.attempt();
  }

  private async attempt(): Promise<void> {
    this.timer = undefined;
    if (this.stopped || this.store) return;
    const store = this.deps.create();
    try {
      await store.start();
      if (this.stopped) {
        await store.stop();
        return;
      }
      this.store = store;
      this.deps.log.info({ store: store.kind }, 'store open');
      await this.deps.onOpen(store);
    } catch (err) {
      await store.stop().catch(() => {});
      if (this.store === store) this.store = undefined;
      this.failures += 1;
      const level = this.failures === 1 ? 'warn' : 'debug';
      this.deps.log[level]({ err: (err as Error).message }, 'store not available yet; retrying');
      if (!this.stopped) {
        this.timer = setTimeout(() => void this.attempt(), this.deps.retryMs);
      }
    }
  }

  get available(): boolean {
    return this.store !== undefined;
  }

  /** The open store, or a 503 for the route asking. */
  get(): TelemetryStore {
    if (!this.store) throw new StoreUnavailableError();
    return this.store;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    const store = this.store;
    this.store = undefined;
    await store?.stop();
  }
}
