// The geo capability on the collector: each stored batch feeds its vehicles' trackers before the batch is acknowledged; late data marks a vehicle for one recomputation once its burst is over; new events go out on fleet/events.

import type { MqttClient } from 'mqtt';
import type { Reading } from '../core/contract.js';
import { encodeGeoEvent, eventBody, GEO_EVENTS_TOPIC } from '../core/geo-wire.js';
import { timestampMs } from '../core/iso-time.js';
import type { Logger } from '../core/log.js';
import { emptyGeoChange, type GeoChange, type GeoStore } from '../core/store/geo-store.js';
import type { TelemetryStore, WriteResult } from '../core/store/types.js';
import type { GeoConfig } from '../geo/config.js';
import { compareKeys, type SampleKey } from '../geo/sample.js';
import type { TrackerOptions } from '../geo/tracker.js';
import type { GeofenceFollower } from '../geofences/follower.js';
import { itemOfReading } from './replay.js';
import type { GeoItem, VehicleGeo } from './vehicle-geo.js';
import { loadVehicle } from './vehicle-loader.js';

export interface GeoTrackingDeps {
  geo: GeoStore;
  /** The collector's telemetry store: recomputations read the stored readings back from it. */
  store: TelemetryStore;
  geofences: GeofenceFollower;
  /** The vehicle's own speed limit (the registry's speed_limit_kmh). */
  limitFor: (deviceId: string) => number | undefined;
  config: GeoConfig;
  now: () => number;
  log: Logger;
  /** Several collectors: false once the partition's lease may be gone (nothing more is written). */
  valid?: () => boolean;
  /** Several collectors: the vehicles this one serves (dirty marks of others are theirs). */
  owns?: (deviceId: string) => boolean;
}

export interface GeoTrackingOptions {
  /** Start and stop the geo store (false: it is shared and its owner does). */
  ownsStore: boolean;
  /** A vehicle's rolling checkpoint is written at most this often (wall time). */
  rollingEveryMs: number;
  /** A vehicle with late data is recomputed once no late reading came for this long... */
  lateQuietMs: number;
  /** ...or at the latest this long after the first one. */
  lateMaxMs: number;
}

export const DEFAULT_TRACKING_OPTIONS: GeoTrackingOptions = {
  ownsStore: true,
  rollingEveryMs: 60_000,
  lateQuietMs: 2000,
  lateMaxMs: 60_000,
};

const GEOFENCES_META = 'geofences';

interface Pending {
  items: GeoItem[];
  /** The smallest key the batch stored or re-flagged (duplicates left out). */
  min: SampleKey;
  /** The newest key the batch stored. */
  max: SampleKey;
  /** The smallest key of a stored fix a late one re-flagged. */
  reflag: SampleKey | null;
}

/** A vehicle waiting for its recomputation: from where, and when late data last came. */
interface Dirty {
  from: SampleKey;
  /** The newest key seen: a reading before it is late. */
  newest: SampleKey | null;
  since: number;
  lateAt: number;
}

const minKey = (a: SampleKey | null, b: SampleKey | null): SampleKey | null =>
  a === null ? b : b === null ? a : compareKeys(a, b) <= 0 ? a : b;
const maxKey = (a: SampleKey | null, b: SampleKey | null): SampleKey | null =>
  a === null ? b : b === null ? a : compareKeys(a, b) >= 0 ? a : b;

/**
 * Structurally a CollectorExtension (collector/collector-extension.ts). Why before the PUBACK: a
 * collector killed between storing a batch and writing its trips would otherwise lose the batch
 * for trips (it is not redelivered once acknowledged); this way the broker redelivers it. Why late
 * data waits: a queue drained out of order arrives in many batches, and recomputing from the
 * checkpoint before each would replay the same hours again and again; instead the vehicle is
 * marked dirty in the geo store (a restart finds the mark) and recomputed once, a moment after
 * its late readings stop. A vehicle is loaded on its first batch after a start (or a lease taken
 * over) from its newest checkpoint, replaying the readings stored after it.
 */
export class GeoTracking {
  readonly name = 'geo';
  readonly topics: readonly string[] = [];
  private readonly vehicles = new Map<string, VehicleGeo>();
  private readonly dirty = new Map<string, Dirty>();
  /** Every step runs in turn: a batch, a recomputation, the last checkpoints. */
  private chain: Promise<void> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private client: MqttClient | undefined;
  private stopped = false;
  /**
   * Set when stop() begins: batches not yet settled are left to the next start (stored, so the
   * vehicle's replay from its checkpoint feeds them), and a settle under way ends after the
   * vehicle it is on. Bounds a stop behind a slow settle (a first batch loading a thousand
   * vehicles on a loaded machine held the demo's stop past its 15 s).
   */
  private stopping = false;
  /** The store refused to be read (a write-only user): no trips this run. */
  private unreadable = false;
  private readonly figures = {
    recomputed: 0,
    replayed: 0,
    failures: 0,
    published: 0,
    refused: 0,
    /** Batches settled and the time they took (ms): what trips add to each batch's PUBACKs. */
    batches: 0,
    settleMs: 0,
  };

  constructor(
    private readonly deps: GeoTrackingDeps,
    private readonly options: GeoTrackingOptions = DEFAULT_TRACKING_OPTIONS,
  ) {}

  async start(client: MqttClient): Promise<void> {
    this.client = client;
    this.stopped = false;
    this.stopping = false;
    const { geo, geofences, log } = this.deps;
    if (this.options.ownsStore) await geo.start();
    // The list last seen, until the retained snapshot arrives: a restart never runs without zones.
    let saved: string | undefined;
    try {
      saved = await geo.meta(GEOFENCES_META);
    } catch (err) {
      if (!refused(err)) throw err;
      // A write-only database user (docs/influxdb.md, one user per role): trips need to read their
      // checkpoints back, so this run stores readings without them instead of failing.
      this.unreadable = true;
      log.warn(
        { err: (err as Error).message },
        'trips, stops and geofence events need READ on the database: off for this run',
      );
      return;
    }
    if (saved !== undefined && geofences.raw === '') geofences.accept(saved);
    geofences.onChange((_zones, raw) => {
      for (const v of this.vehicles.values()) v.setOptions(this.optionsFor(v.deviceId));
      if (!this.allowed()) return;
      geo.setMeta(GEOFENCES_META, raw).catch((err: Error) => {
        log.warn({ err: err.message }, 'geofences not saved in the geo store');
      });
    });
    // Marks a previous run left (late data it had not recomputed yet): due at once.
    const owns = this.deps.owns ?? (() => true);
    for (const d of await geo.dirtyVehicles()) {
      if (owns(d.deviceId))
        this.dirty.set(d.deviceId, { from: d.from, newest: null, since: 0, lateAt: 0 });
    }
    const tick = Math.max(50, Math.min(500, this.options.lateQuietMs / 2));
    this.timer = setInterval(() => this.enqueue(() => this.recomputeDue()), tick);
    this.timer.unref();
  }

  /** The vehicles' own speed limits changed (a registry snapshot). */
  limitsChanged(): void {
    for (const v of this.vehicles.values()) v.setOptions(this.optionsFor(v.deviceId));
  }

  private optionsFor(deviceId: string): TrackerOptions {
    return {
      config: this.deps.config,
      zones: this.deps.geofences.zones,
      speedLimitKmh: this.deps.limitFor(deviceId),
    };
  }

  private allowed(): boolean {
    return !this.stopped && (this.deps.valid?.() ?? true);
  }

  private enqueue(step: () => Promise<void>): Promise<void> {
    const next = this.chain.then(step).catch((err: Error) => {
      this.deps.log.error({ err: err.message }, 'geo step failed');
    });
    this.chain = next;
    return next;
  }

  /** Vehicles waiting for a recomputation (tests wait for 0). */
  get pendingRecomputations(): number {
    return this.dirty.size;
  }

  /** Awaited by the collector after each durable write, before the batch's PUBACKs. */
  settle(readings: readonly Reading[], result: WriteResult): Promise<void> {
    if (this.stopped || this.unreadable) return Promise.resolve();
    return this.enqueue(() => this.settleNow(readings, result));
  }

  private async settleNow(readings: readonly Reading[], result: WriteResult): Promise<void> {
    if (this.stopping) return;
    const started = performance.now();
    try {
      await this.settleBatch(readings, result);
    } finally {
      this.figures.batches += 1;
      this.figures.settleMs += performance.now() - started;
    }
  }

  private async settleBatch(readings: readonly Reading[], result: WriteResult): Promise<void> {
    const changes: GeoChange[] = [];
    const touched: VehicleGeo[] = [];
    const now = this.deps.now();
    const pending = group(readings, result);
    for (const [id, p] of pending) {
      if (this.stopping) break; // the rest is replayed from the stored readings at the next start
      if (p.items.length === 0 && p.reflag === null) continue;
      try {
        const mark = await this.process(id, p, now);
        if (mark) {
          changes.push(mark);
          continue;
        }
        // Not in memory: a vehicle waiting for its recomputation, whose batch is only stored
        // (markLate); the recomputation reads it back.
        const v = this.vehicles.get(id);
        if (!v) continue;
        v.roll(now, this.options.rollingEveryMs);
        const c = v.take();
        if (c) changes.push(c);
        touched.push(v);
      } catch (err) {
        this.fail(id, p.min, err);
      }
    }
    await this.write(changes, touched, (id) => pending.get(id)?.min);
  }

  /**
   * A vehicle's part of a batch: fed in order, or (late data) its dirty mark set or moved back,
   * returned as the change to write. A vehicle seen for the first time since the start is loaded.
   */
  private async process(id: string, p: Pending, now: number): Promise<GeoChange | undefined> {
    p.items.sort((a, b) => compareKeys(a.key, b.key));
    const d = this.dirty.get(id);
    if (d) return this.markLate(id, d, p, now);
    const v = this.vehicles.get(id);
    if (!v) {
      const loaded = await loadVehicle(this.loaderDeps(), id, minKey(p.min, p.reflag) as SampleKey);
      this.count(loaded.replayed, loaded.recomputed);
      this.vehicles.set(id, loaded.vehicle);
      return undefined;
    }
    let late = p.reflag !== null && v.fedPast(p.reflag) ? p.reflag : null;
    for (const it of p.items) if (v.fedPast(it.key)) late = minKey(late, it.key);
    if (late) {
      const dirty: Dirty = { from: late, newest: v.lastKey, since: now, lateAt: now };
      this.dirty.set(id, dirty);
      this.vehicles.delete(id);
      dirty.newest = maxKey(dirty.newest, p.max);
      return mark(id, late);
    }
    for (const it of p.items) v.feed(it);
    return undefined;
  }

  /** Another batch of a dirty vehicle: stored only; late readings move the mark back and wait. */
  private markLate(id: string, d: Dirty, p: Pending, now: number): GeoChange | undefined {
    let late = p.reflag;
    for (const it of p.items)
      if (d.newest === null || compareKeys(it.key, d.newest) < 0) late = minKey(late, it.key);
    d.newest = maxKey(d.newest, p.max);
    if (late === null) return undefined;
    d.lateAt = now;
    if (compareKeys(late, d.from) >= 0) return undefined;
    d.from = late;
    return mark(id, late);
  }

  private loaderDeps() {
    return {
      geo: this.deps.geo,
      store: this.deps.store,
      optionsFor: (id: string) => this.optionsFor(id),
    };
  }

  private count(replayed: number, recomputed: boolean): void {
    this.figures.replayed += replayed;
    if (recomputed) this.figures.recomputed += 1;
  }

  /** Recomputes the dirty vehicles whose late data stopped (or waited long enough). */
  private async recomputeDue(): Promise<void> {
    if (this.stopped || this.dirty.size === 0) return;
    const now = this.deps.now();
    const { lateQuietMs, lateMaxMs } = this.options;
    for (const [id, d] of [...this.dirty]) {
      if (now - d.lateAt < lateQuietMs && now - d.since < lateMaxMs) continue;
      this.dirty.delete(id);
      try {
        const loaded = await loadVehicle(this.loaderDeps(), id, d.from);
        this.count(loaded.replayed, true);
        const v = loaded.vehicle;
        this.vehicles.set(id, v);
        v.roll(now, 0, true);
        const c = v.take() ?? emptyGeoChange(id);
        c.dirty = null;
        await this.write([c], [v], () => d.from);
      } catch (err) {
        this.fail(id, d.from, err);
      }
    }
  }

  /** The vehicle waits for a recomputation from before `from` (in memory; the next tick tries). */
  private fail(id: string, from: SampleKey, err: unknown): void {
    this.figures.failures += 1;
    this.vehicles.delete(id);
    const now = this.deps.now();
    const d = this.dirty.get(id);
    if (d) d.from = minKey(d.from, from) as SampleKey;
    else this.dirty.set(id, { from, newest: null, since: now, lateAt: now });
    this.deps.log.warn(
      { deviceId: id, err: (err as Error).message },
      'geo: vehicle not processed; recomputed shortly',
    );
  }

  /**
   * One apply. When it fails nothing of it is known to be written: each vehicle is recomputed from
   * a checkpoint before its earliest reading of the batch.
   */
  private async write(
    changes: GeoChange[],
    touched: VehicleGeo[],
    minOf: (deviceId: string) => SampleKey | undefined,
  ): Promise<void> {
    if (changes.length === 0) return;
    const forget = (err: unknown) => {
      for (const c of changes) {
        this.fail(
          c.deviceId,
          c.dirty ?? minOf(c.deviceId) ?? { time: Number.MIN_SAFE_INTEGER, seq: 0 },
          err,
        );
      }
    };
    if (!this.allowed()) {
      this.figures.refused += 1;
      forget(new Error('partition lease lost: geo write refused'));
      return;
    }
    try {
      await this.deps.geo.apply(changes);
    } catch (err) {
      forget(err);
      return;
    }
    this.publish(changes, touched);
  }

  private publish(changes: readonly GeoChange[], touched: readonly VehicleGeo[]): void {
    const known = new Map(touched.map((v) => [v.deviceId, v.known]));
    for (const v of touched) v.known = new Set();
    const client = this.client;
    if (!client?.connected) return;
    for (const c of changes) {
      const skip = known.get(c.deviceId);
      for (const e of c.events) {
        if (skip?.has(e.id)) continue;
        const body = eventBody({ ...e, deviceId: c.deviceId });
        client.publish(GEO_EVENTS_TOPIC, encodeGeoEvent(body), { qos: 0 });
        this.figures.published += 1;
      }
    }
  }

  stats(): Record<string, number> {
    return { vehicles: this.vehicles.size, dirty: this.dirty.size, ...this.figures };
  }

  /**
   * Writes every vehicle's rolling checkpoint (a clean handover or stop: the next owner resumes
   * without replaying), then closes the geo store if it owns it. Safe to call twice.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopping = true;
    clearInterval(this.timer);
    this.timer = undefined;
    await this.enqueue(async () => {
      const now = this.deps.now();
      const changes: GeoChange[] = [];
      for (const v of this.vehicles.values()) {
        v.roll(now, 0, true);
        const c = v.take();
        if (c) changes.push(c);
      }
      if (changes.length > 0 && this.allowed()) {
        await this.deps.geo.apply(changes).catch((err: Error) => {
          this.deps.log.warn({ err: err.message }, 'geo: last checkpoints not written');
        });
      }
    });
    this.stopped = true;
    this.vehicles.clear();
    this.dirty.clear();
    if (this.options.ownsStore) await this.deps.geo.stop();
  }
}

function group(readings: readonly Reading[], result: WriteResult): Map<string, Pending> {
  // Only what this write stored counts: a duplicate (a resend of a reading stored long ago) neither
  // feeds a vehicle nor moves where its loading or recomputation starts. Counting them made a
  // vehicle's first batch after a start replay days of history when it carried old resends.
  const pending = new Map<string, Pending>();
  const list = result.fresh ?? readings;
  // The write plan parsed each fresh reading's timestamp already.
  const times =
    result.fresh && result.freshTimes?.length === list.length ? result.freshTimes : null;
  for (let i = 0; i < list.length; i++) {
    const r = list[i] as Reading;
    const key = { time: times ? (times[i] as number) : timestampMs(r.timestamp), seq: r.seq };
    if (!Number.isFinite(key.time)) continue;
    const p = pending.get(r.device_id);
    if (!p) {
      pending.set(r.device_id, {
        items: [itemOfReading(r, key)],
        min: key,
        max: key,
        reflag: null,
      });
      continue;
    }
    if (compareKeys(key, p.min) < 0) p.min = key;
    if (compareKeys(key, p.max) > 0) p.max = key;
    p.items.push(itemOfReading(r, key));
  }
  for (const f of result.reflagged) {
    const p = pending.get(f.deviceId);
    const key = { time: f.time, seq: f.seq };
    if (p) {
      p.reflag = minKey(p.reflag, key);
      if (compareKeys(key, p.min) < 0) p.min = key;
    } else pending.set(f.deviceId, { items: [], min: key, max: key, reflag: key });
  }
  return pending;
}

function mark(deviceId: string, from: SampleKey): GeoChange {
  return { ...emptyGeoChange(deviceId), dirty: from };
}

/** An authorization refusal of the store (InfluxDB 401/403), as opposed to an outage. */
function refused(err: unknown): boolean {
  const status = (err as { status?: unknown }).status;
  return status === 401 || status === 403;
}
