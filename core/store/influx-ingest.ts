// The InfluxDB store's write side: coverage loaded once, writes planned against it, rollups and checkpoints flushed after.
import type { DroppedNotice, Reading } from '../contract.js';
import type { Logger } from '../log.js';
import { InfluxClaims } from './influx-claims.js';
import type { InfluxConnection } from './influx-connect.js';
import { type LoadedDevice, loadSettled } from './influx-coverage-load.js';
import { flushRollups } from './influx-flush.js';
import { freshPoints } from './influx-points.js';
import { InfluxFixes } from './influx-positions.js';
import { InfluxProgress, summarize } from './influx-progress.js';
import { RollupBook } from './influx-rollups.js';
import type { InfluxSignals } from './influx-signals.js';
import { ROLLUP_TIERS } from './rollup.js';
import type { DeviceProgress } from './seq-coverage.js';
import type { Retention, WriteResult } from './types.js';
import { planWrite, writeResult } from './write-plan.js';

/**
 * Order of events per batch (one write at a time): (1) a checkpoint lowering a device's read-back
 * bound, only when the batch reaches below it; (2) the raw points; (3) for accepted drop notices,
 * a checkpoint naming the declared seqs; the write resolves (the collector acks). Every
 * flushIntervalMs, beside the writes: (4) the aggregates of what was stored so far added to their
 * buckets; then, in the write queue, (5) checkpoints vouching for exactly what (4) counted. A crash
 * anywhere leaves every uncounted reading at or after its device's bound, where the next start
 * reads back and recomputes. Blind mode (nothing readable) writes raw points only.
 */
export class InfluxIngest {
  private readonly progress = new InfluxProgress();
  private readonly book: RollupBook | undefined;
  private readonly claims = new InfluxClaims();
  private readonly fixes: InfluxFixes;
  private queue: Promise<unknown> = Promise.resolve();
  private flushes: Promise<unknown> = Promise.resolve();
  private loading: Promise<void> | undefined;
  private flushTimer: NodeJS.Timeout | undefined;
  private flushFailing = false;

  constructor(
    private readonly conn: InfluxConnection,
    private readonly options: {
      retention: Retention;
      flushIntervalMs: number;
      signals: InfluxSignals;
      log?: Logger;
    },
  ) {
    if (conn.writer && conn.layout.mode === 'tiered') {
      this.book = new RollupBook(ROLLUP_TIERS, options.signals.keys);
    }
    const read = conn.layout.mode === 'blind' ? undefined : (st: string[]) => conn.queryEach(st);
    this.fixes = new InfluxFixes(conn.layout.raw, read);
  }

  private get blind(): boolean {
    return this.conn.layout.mode === 'blind';
  }

  /** Writes and checkpoints one at a time, so checkpoints land in order and see whole writes. */
  private queued<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work);
    this.queue = next.catch(() => {});
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
    const { devices, recomputed } = await loadSettled(
      http,
      layout,
      log,
      writer && layout.mode === 'tiered' ? this.options.signals : undefined,
    );
    this.progress.load(devices);
    if (!writer) return;
    const snap = this.progress.snapshot();
    const cps = this.progress.checkpointsFrom(snap, Date.now());
    this.progress.release(snap);
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
    readings: readonly Reading[],
    dropped: readonly DroppedNotice[],
    times?: readonly number[],
  ): Promise<WriteResult> {
    if (!this.blind) await this.loaded();
    return this.queued(() => this.writeNow(readings, dropped, times));
  }

  private async writeNow(
    readings: readonly Reading[],
    dropped: readonly DroppedNotice[],
    times: readonly number[] | undefined,
  ): Promise<WriteResult> {
    const { writer, layout } = this.conn;
    const cpRp = layout.coverage.retentionPolicy;
    const plan = planWrite(readings, dropped, (id) => this.progress.coverageCopy(id), times);
    const batch = summarize(plan);
    this.guard(plan.coverages.keys());
    let reflagged: WriteResult['reflagged'] = [];
    if (plan.fresh.length > 0) {
      const judged = await this.fixes.judge(plan.fresh, plan.freshTimes);
      this.guard(batch.keys());
      if (!this.blind) {
        const lowered = this.progress.lowerBounds(batch, Date.now());
        await this.conn.writeLines(lowered.lines, cpRp);
        lowered.commit();
      }
      if (judged.lines.length > 0) {
        // Stored flags a late fix changed go first: if the points then fail, the readings are
        // sent again, judged again against the flags already rewritten, and nothing changes twice.
        this.guard(batch.keys());
        await this.conn.writeLines(judged.lines, layout.raw.retentionPolicy);
      }
      this.guard(batch.keys());
      this.progress.writeStarted(batch);
      try {
        await writer?.write(freshPoints(plan.fresh, plan.freshTimes));
      } catch (err) {
        this.progress.failed(plan, batch);
        throw err;
      }
      judged.commit();
      reflagged = judged.reflagged;
      // In the same tick as the coverage update: a flush takes both or neither.
      this.book?.add(plan.fresh, plan.freshTimes);
    }
    this.progress.written(plan, batch);
    const result = writeResult(plan);
    result.reflagged = reflagged;
    if (this.blind) return result;
    if (plan.declaredDropped > 0) {
      const declared = this.progress.declared(plan, dropped, Date.now());
      await this.conn.writeLines(declared.lines, cpRp);
      declared.commit();
    }
    if (plan.fresh.length > 0 || plan.declaredDropped > 0) this.scheduleFlush();
    return result;
  }

  /** Several collectors: a device whose partition's lease may be gone is not written (the batch fails, unacknowledged). */
  private guard(deviceIds: Iterable<string>): void {
    const id = this.claims.refused(deviceIds);
    if (id !== undefined) throw new Error(`partition lease lost: write of ${id} refused`);
  }

  /**
   * Several collectors: the devices `owns` selects are this process's to write while `valid()`.
   * What it held of them is dropped and read again as a start does (checkpoints, the points above
   * them, their buckets recomputed from raw), since their previous owner may have stored readings
   * it never counted. Why the previous owner cannot write meanwhile: it stops writing before its
   * lease's TTL − margin (self-fencing, collector/cluster/lease-keeper.ts), and this process got
   * the lease only once it had expired or been released after the owner's last flush.
   */
  async claim(
    key: string,
    owns: (deviceId: string) => boolean,
    valid: () => boolean,
  ): Promise<DeviceProgress[]> {
    const { http, layout, writer } = this.conn;
    const log = this.options.log;
    this.claims.set(key, owns, valid);
    // The first claim: never the load of every device (each partition loads its own).
    this.loading ??= Promise.resolve();
    if (this.blind) return [];
    const started = Date.now();
    let recomputed = 0;
    let devices: LoadedDevice[];
    try {
      await this.queue;
      this.progress.forget(owns);
      this.book?.drop(owns);
      this.fixes.forget(owns);
      ({ devices, recomputed } = await loadSettled(
        http,
        layout,
        log,
        writer && layout.mode === 'tiered' ? this.options.signals : undefined,
        owns,
      ));
      this.book?.drop(owns); // buckets read meanwhile may predate the recompute
      await this.queued(async () => {
        this.progress.load(devices);
        if (!writer) return;
        const snap = this.progress.snapshot(owns);
        try {
          const cps = this.progress.checkpointsFrom(snap, Date.now());
          await this.conn.writeLines(cps.lines, layout.coverage.retentionPolicy);
          cps.commit();
        } finally {
          this.progress.release(snap);
        }
      });
    } catch (err) {
      // Not loaded: its devices stay unwritable (an empty coverage would store resends twice).
      this.claims.remove(key);
      this.progress.forget((id) => owns(id) && !this.claims.claimed(id));
      throw err;
    }
    log?.info(
      {
        claim: key,
        devices: devices.length,
        recomputeStatements: recomputed,
        ms: Date.now() - started,
      },
      'InfluxDB coverage of a claim loaded',
    );
    return this.progress.progress().filter((p) => owns(p.deviceId));
  }

  /** The claim ends: `flush` writes its devices' pending rollups and checkpoints first; then they are forgotten. */
  async disown(key: string, how: 'flush' | 'drop'): Promise<void> {
    if (!this.claims.has(key)) return;
    if (how === 'flush') {
      await this.queue;
      // What a failed flush leaves uncounted lies above the checkpoints: the next owner recomputes it.
      await this.flush().catch(() => {});
    }
    const owns = this.claims.remove(key);
    if (!owns) return;
    // A newer claim of the same vehicles (the lease taken again) keeps what it loaded.
    const gone = (id: string) => owns(id) && !this.claims.claimed(id);
    this.progress.forget(gone);
    this.book?.drop(gone);
    this.fixes.forget(gone);
  }

  private scheduleFlush(): void {
    if (this.flushTimer) return;
    this.flushTimer = setTimeout(() => {
      this.flushTimer = undefined;
      this.flush().catch(() => {}); // logged in flushOnce, and scheduled again
    }, this.options.flushIntervalMs);
    this.flushTimer.unref();
  }

  /** Writes the rollups of everything stored so far, then the checkpoints that vouch for them. */
  flush(): Promise<void> {
    if (!this.conn.writer || this.blind || !this.loading) return Promise.resolve();
    const next = this.flushes.then(() => this.flushOnce());
    this.flushes = next.catch(() => {});
    return next;
  }

  private async flushOnce(): Promise<void> {
    const { http, layout } = this.conn;
    const log = this.options.log;
    // Snapshot and the rollups' take happen in one tick: the checkpoint vouches for what is counted.
    const snap = this.progress.snapshot();
    try {
      const keep = this.claims.active ? (id: string) => this.claims.writable(id) : undefined;
      if (this.book) {
        await flushRollups(this.book, {
          http,
          layout,
          signals: this.options.signals,
          writeLines: this.conn.writeLines,
          ...(keep ? { keep } : {}),
        });
      }
      await this.queued(async () => {
        if (keep) for (const id of [...snap.devices.keys()]) if (!keep(id)) snap.devices.delete(id);
        const cps = this.progress.checkpointsFrom(snap, Date.now());
        await this.conn.writeLines(cps.lines, layout.coverage.retentionPolicy);
        cps.commit();
      });
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
    } finally {
      this.progress.release(snap);
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
