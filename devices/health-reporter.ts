// Device health: a retained health message at every connect and every HEALTH_INTERVAL_S (uptime, queue, drops, reconnects, firmware).
import { encodeHealth, healthTopic } from '../core/contract.js';
import type { DeviceAddon, DeviceContext } from './device-addon.js';

export interface HealthReporterOptions {
  intervalMs: number;
  /** Delay of the first periodic message: a fleet spreads its health over the interval. */
  phaseMs: number;
  firmware: string;
}

/**
 * Retained, so a dashboard or collector that (re)subscribes gets each vehicle's latest health at
 * once. QoS 1 like the status: a health message lost on a broken connection is replaced by the one
 * sent at the next connect. Nothing is published while disconnected (no stale backlog of health).
 */
export class HealthReporter implements DeviceAddon {
  private ctx: DeviceContext | undefined;
  private phase: NodeJS.Timeout | undefined;
  private timer: NodeJS.Timeout | undefined;
  private startedAt = 0;
  private connects = 0;
  private stopped = false;

  constructor(
    private readonly options: HealthReporterOptions,
    private readonly now: () => number,
  ) {}

  attach(ctx: DeviceContext): void {
    this.ctx = ctx;
    this.stopped = false;
    this.startedAt = this.now();
    ctx.client.on('connect', () => {
      this.connects += 1;
      this.publish();
    });
    this.phase = setTimeout(() => {
      this.timer = setInterval(() => this.publish(), this.options.intervalMs);
      this.publish();
    }, this.options.phaseMs % this.options.intervalMs);
  }

  /** Connections after the first one since the process started. */
  get reconnects(): number {
    return Math.max(0, this.connects - 1);
  }

  publish(): void {
    const ctx = this.ctx;
    if (!ctx || this.stopped || !ctx.client.connected) return;
    const stats = ctx.stats();
    const now = this.now();
    const payload = encodeHealth({
      device_id: ctx.deviceId,
      timestamp: new Date(now).toISOString(),
      uptime_s: Math.round((now - this.startedAt) / 100) / 10,
      queue_depth: stats.queued,
      dropped_total: stats.dropped,
      reconnects: this.reconnects,
      firmware: this.options.firmware,
    });
    ctx.client.publish(healthTopic(ctx.deviceId), payload, { qos: 1, retain: true });
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.phase);
    clearInterval(this.timer);
    this.phase = undefined;
    this.timer = undefined;
  }
}
