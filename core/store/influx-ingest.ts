// The InfluxDB store's write side: coverage loaded once, writes planned against it, rollups and checkpoints flushed after.
import type { DroppedNotice, SpeedReading } from '../contract.js';
import type { Logger } from '../log.js';
import type { InfluxConnection } from './influx-connect.js';
import { loadDevices, recomputeReadBack } from './influx-coverage-load.js';
import { flushRollups } from './influx-flush.js';
import { toPoints } from './influx-points.js';
import { InfluxProgress } from './influx-progress.js';
import { RollupBook } from './influx-rollups.js';
import { ROLLUP_TIERS } from './rollup.js';
import type { DeviceProgress } from './seq-coverage.js';
import type { Retention, WriteResult } from './types.js';
import { planWrite, writeResult } from './write-plan.js';

/**
 * Order of events per batch: (1) a checkpoint lowering a device's read-back bound, only when the
 * batch reaches below it; (2) the raw points; the write resolves (the collector acks). Every
 * flushIntervalMs, in the same queue: (3) the batches' aggregates added to their buckets; (4)
 * checkpoints vouching for what (3) counted. A crash anywhere leaves every uncounted reading
 * at or after its device's bound, where the next start reads back and recomputes. Blind mode
 * (nothing readable) writes raw points only.
 */
export class InfluxIngest {
  private readonly progress = new InfluxProgress();
  private readonly book: RollupBook | undefined;
  private readonly serial: { tail: Promise<unknown> } = { tail: Promise.resolve() };
  private loading: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  /** A declared drop is in coverage but not yet in a checkpoint: flush before acknowledging. */
  private mustFlush = false;
  private flushFailing = false;

  constructor(
    private readonly conn: InfluxConnection,
    private readonly options: { retention: Retention; flushIntervalMs: number; log?: Logger },
  ) {
    if (conn.writer && conn.layout.mode === 'tiered') this.book = new RollupBook(ROLLUP_TIERS);
  }

  private get blind(): boolean {
    return this.conn.layout.mode === 'blind';
  }

  /** One thing at a time: a flush never sees half a write, and checkpoints land in order. */
  private queued<T>(work: () => Promise<T>): Promise<T> {
    const next = this.serial.tail.then(work);
    this.serial.tail = next.catch(() => {});
    return next;
  }

  /** Coverage from the checkpoints and what lies above them, once; the writer settles it too. */
  loaded(): Promise<void> {
    this.loading ??= this.load().catch((err) => {
      this.loading = undefined;
      throw err;
    });
    return this.loading;
  }

  private async load(): Promise<void> {
    const { layout, http, writer } = this.conn;
    const log = this.options.log;
    const started = Date.now();
    const devices = await loadDevices(http, layout, log);
    this.progress.load(devices);
    if (!writer) return;
    let recomputed = 0;
    if (layout.mode === 'tiered') {
      recomputed = await recomputeReadBack(http, layout, devices, Date.now());
    }
    const cps = this.progress.checkpoints(Date.now());
    await this.conn.writeLines(cps.lines, layout.coverage.retentionPolicy);
    cps.commit();
    log?.info(
      { devices: devices.length, recomputeStatements: recomputed, ms: Date.now() - started },
      'InfluxDB coverage loaded',
    );
    const statement = layout.deferredRawAlter;
    if (!statement) return;
    // Only now: an older store's raw points had to be rolled up before their policy may expire them.
    layout.deferredRawAlter = undefined;
    try {
      await http.query(statement, this.conn.database, { method: 'POST' });
      const wanted = this.options.retention.rawMs;
      layout.retention.rawMs = wanted === 0 ? 0 : Math.max(3_600_000, wanted);
      log?.info({ statement }, 'InfluxDB raw retention policy set');
    } catch (err) {
      log?.warn(
        { statement, err: (err as Error).message },
        'InfluxDB: this user may not alter the raw retention policy; an admin must run the statement',
      );
    }
  }

  progressOfAll(): DeviceProgress[] {
    return this.progress.progress();
  }

  async write(
    readings: readonly SpeedReading[],
    dropped: readonly DroppedNotice[],
  ): Promise<WriteResult> {
    if (!this.blind) await this.loaded();
    return this.queued(() => this.writeNow(readings, dropped));
  }

  private async writeNow(
    readings: readonly SpeedReading[],
    dropped: readonly DroppedNotice[],
  ): Promise<WriteResult> {
    const { writer, layout } = this.conn;
    const plan = planWrite(readings, dropped, (id) => this.progress.coverageCopy(id));
    if (plan.fresh.length > 0) {
      if (!this.blind) {
        const lowered = this.progress.lowerBounds(plan, Date.now());
        await this.conn.writeLines(lowered.lines, layout.coverage.retentionPolicy);
        lowered.commit();
      }
      try {
        await writer?.write(toPoints(plan.fresh).points);
      } catch (err) {
        this.progress.failed(plan);
        throw err;
      }
      this.book?.add(
        plan.fresh.map((r) => r.device_id),
        plan.freshTimes,
        plan.fresh.map((r) => r.speed),
      );
    }
    this.progress.written(plan);
    if (this.blind) return writeResult(plan);
    if (plan.declaredDropped > 0) this.mustFlush = true;
    if (this.mustFlush) await this.flushNow();
    else if (plan.fresh.length > 0) this.scheduleFlush();
    return writeResult(plan);
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush().catch(() => {}); // logged in flushNow, and scheduled again
    }, this.options.flushIntervalMs);
    this.flushTimer.unref();
  }

  /** Writes the pending rollups, then the checkpoints that vouch for them. */
  flush(): Promise<void> {
    if (!this.conn.writer || this.blind || !this.loading) return Promise.resolve();
    return this.queued(() => this.flushNow());
  }

  private async flushNow(): Promise<void> {
    const { http, layout } = this.conn;
    const log = this.options.log;
    try {
      if (this.book) {
        await flushRollups(this.book, { http, layout, writeLines: this.conn.writeLines });
      }
      const cps = this.progress.checkpoints(Date.now());
      await this.conn.writeLines(cps.lines, layout.coverage.retentionPolicy);
      cps.commit();
      this.mustFlush = false;
      if (this.flushFailing) log?.info('InfluxDB rollups and checkpoints written again');
      this.flushFailing = false;
    } catch (err) {
      // The readings are stored; what is not counted yet lies above the checkpoints' bounds.
      if (!this.flushFailing) {
        log?.warn(
          { err: (err as Error).message },
          'InfluxDB rollup/checkpoint write failed; readings are stored, retrying with the next flush',
        );
      }
      this.flushFailing = true;
      this.scheduleFlush();
      throw err;
    }
  }

  /** A last flush (what it cannot write is found again at the next start). */
  async stop(): Promise<void> {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
    await this.flush().catch(() => {});
    if (this.flushTimer) clearTimeout(this.flushTimer);
    this.flushTimer = undefined;
  }
}
