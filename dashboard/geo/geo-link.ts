// The dashboard's read-only geo store handle: opened beside the telemetry store, retried while it cannot be (no file yet, older schema, backend down).
import type { Logger } from '../../core/log.js';
import type { GeoStore } from '../../core/store/geo-store.js';
import { StoreUnavailableError } from '../errors.js';

export class GeoLink {
  private store: GeoStore | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private failures = 0;

  constructor(private readonly deps: { create: () => GeoStore; log: Logger; retryMs: number }) {}

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
    } catch (err) {
      await store.stop().catch(() => {});
      this.failures += 1;
      const level = this.failures === 1 ? 'warn' : 'debug';
      this.deps.log[level](
        { err: (err as Error).message },
        'geo store not available yet; retrying',
      );
      if (!this.stopped) this.timer = setTimeout(() => void this.attempt(), this.deps.retryMs);
    }
  }

  get available(): boolean {
    return this.store !== undefined;
  }

  /** The open store, or a 503 for the route asking. */
  get(): GeoStore {
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
