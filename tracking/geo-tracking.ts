// The geo capability on the collector: each stored batch feeds its vehicles' trackers (or recomputes them from a checkpoint), the result is written to the geo store before the batch is acknowledged, new events go out on fleet/events.
import type { MqttClient } from 'mqtt';
import type { Reading } from '../core/contract.js';
import { encodeGeoEvent, eventBody, GEO_EVENTS_TOPIC } from '../core/geo-wire.js';
import type { Logger } from '../core/log.js';
import type { GeoChange, GeoKey, GeoStore } from '../core/store/geo-store.js';
import type { TelemetryStore, WriteResult } from '../core/store/types.js';
import type { GeoConfig } from '../geo/config.js';
import { compareKeys, type SampleKey } from '../geo/sample.js';
import type { TrackerOptions } from '../geo/tracker.js';
import type { GeofenceFollower } from '../geofences/follower.js';
import { itemOfReading, storedItems } from './replay.js';
import { type GeoItem, ORIGIN, parseState, VehicleGeo } from './vehicle-geo.js';

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
}

export interface GeoTrackingOptions {
  /** Start and stop the geo store (false: it is shared and its owner does). */
  ownsStore: boolean;
  /** A vehicle's rolling checkpoint is written at most this often (wall time). */
  rollingEveryMs: number;
}

const GEOFENCES_META = 'geofences';
const fenceMeta = (deviceId: string) => `fence:${deviceId}`;

interface Pending {
  items: GeoItem[];
  /** The smallest key in the batch, duplicates included. */
  min: SampleKey;
  /** The smallest key of a stored fix a late one re-flagged. */
  reflag: SampleKey | null;
}

const minKey = (a: SampleKey | null, b: SampleKey | null): SampleKey | null =>
  a === null ? b : b === null ? a : compareKeys(a, b) <= 0 ? a : b;

/**
 * Structurally a CollectorExtension (collector/collector-extension.ts). Why before the PUBACK: a
 * collector killed between storing a batch and writing its trips would otherwise lose that batch
 * for trips (it is not redelivered once acknowledged); this way the broker redelivers it and the
 * vehicle is recomputed from its last checkpoint. A vehicle is loaded on its first batch after a
 * start (or a lease taken over) from its newest checkpoint, replaying the readings stored after it.
 */
export class GeoTracking {
  readonly name = 'geo';
  readonly topics: readonly string[] = [];
  private readonly vehicles = new Map<string, VehicleGeo>();
  /** Vehicles whose last batch failed: recomputed from before this key on their next one. */
  private readonly dirty = new Map<string, SampleKey>();
  private client: MqttClient | undefined;
  private stopped = false;
  private figures = { recomputed: 0, replayed: 0, failures: 0, published: 0, refused: 0 };

  constructor(
    private readonly deps: GeoTrackingDeps,
    private readonly options: GeoTrackingOptions,
  ) {}

  async start(client: MqttClient): Promise<void> {
    this.client = client;
    this.stopped = false;
    const { geo, geofences, log } = this.deps;
    if (this.options.ownsStore) await geo.start();
    // The list last seen, until the retained snapshot arrives: a restart never runs without zones.
    const saved = await geo.meta(GEOFENCES_META);
    if (saved !== undefined && geofences.raw === '') geofences.accept(saved);
    geofences.onChange((_zones, raw) => {
      for (const v of this.vehicles.values()) v.setOptions(this.optionsFor(v.deviceId));
      if (this.allowed()) {
        geo.setMeta(GEOFENCES_META, raw).catch((err: Error) => {
          log.warn({ err: err.message }, 'geofences not saved in the geo store');
        });
      }
    });
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

  /** Awaited by the collector after each durable write, before the batch's PUBACKs. */
  async settle(readings: readonly Reading[], result: WriteResult): Promise<void> {
    if (this.stopped) return;
    const pending = this.group(readings, result);
    const changes: GeoChange[] = [];
    const touched: VehicleGeo[] = [];
    const now = this.deps.now();
    for (const [id, p] of pending) {
      if (p.items.length === 0 && p.reflag === null) continue;
      try {
        const v = await this.process(id, p);
        v.roll(now, this.options.rollingEveryMs);
        const c = v.take();
        if (c) changes.push(c);
        touched.push(v);
      } catch (err) {
        this.fail(id, p.min, err);
      }
    }
    await this.write(changes, touched, pending);
  }

  private group(readings: readonly Reading[], result: WriteResult): Map<string, Pending> {
    const fresh = new Set(result.fresh ?? readings);
    const pending = new Map<string, Pending>();
    for (const r of readings) {
      const key = { time: Date.parse(r.timestamp), seq: r.seq };
      if (!Number.isFinite(key.time)) continue;
      let p = pending.get(r.device_id);
      if (!p) {
        p = { items: [], min: key, reflag: null };
        pending.set(r.device_id, p);
      } else if (compareKeys(key, p.min) < 0) p.min = key;
      if (fresh.has(r)) p.items.push(itemOfReading(r));
    }
    for (const f of result.reflagged) {
      const p = pending.get(f.deviceId);
      const key = { time: f.time, seq: f.seq };
      if (p) p.reflag = minKey(p.reflag, key);
      else pending.set(f.deviceId, { items: [], min: key, reflag: key });
    }
    return pending;
  }

  private async process(id: string, p: Pending): Promise<VehicleGeo> {
    p.items.sort((a, b) => compareKeys(a.key, b.key));
    const v = this.vehicles.get(id);
    const dirty = this.dirty.get(id) ?? null;
    if (!v || dirty) return this.recompute(id, minKey(minKey(p.min, p.reflag), dirty) as SampleKey);
    let late = p.reflag !== null && v.fedPast(p.reflag) ? p.reflag : null;
    for (const it of p.items) if (v.fedPast(it.key)) late = minKey(late, it.key);
    if (late) return this.recompute(id, late);
    for (const it of p.items) v.feed(it);
    return v;
  }

  /**
   * The vehicle from its newest checkpoint before `from`, with every reading stored after it
   * replayed (geo/ledger.ts's recipe): what was produced after that checkpoint is replaced. A
   * vehicle geo never saw starts at `from`; when the store already held older readings of it (a
   * store that predates geo), a fence checkpoint marks where its geo history begins, and readings
   * arriving later from before it are left out.
   */
  private async recompute(id: string, from: SampleKey): Promise<VehicleGeo> {
    const { geo } = this.deps;
    let cp = await geo.checkpoint(id, from);
    if (!cp && (await geo.checkpoint(id))) {
      const fence = await geo.meta(fenceMeta(id));
      if (fence !== undefined) {
        const at = JSON.parse(fence) as GeoKey;
        cp = await geo.checkpoint(id, { time: at.time, seq: at.seq + 1 });
      }
    } else if (!cp) {
      // Never seen: nothing to replace; the readings from `from` on are this batch's (and any a
      // failed write left unprocessed).
      const before = { time: from.time, seq: from.seq - 1 };
      const v = new VehicleGeo(id, this.optionsFor(id), undefined, null);
      if (await this.hasOlder(id, from)) {
        v.fenceAt(before);
        await geo.setMeta(fenceMeta(id), JSON.stringify(before));
      }
      return this.replay(v, before, new Set());
    }
    const state = cp ? parseState(cp.state) : undefined;
    const known = new Set(await geo.eventIdsAfter(id, cp?.at ?? null));
    const v = new VehicleGeo(id, this.optionsFor(id), state, cp?.at ?? ORIGIN);
    this.figures.recomputed += 1;
    return this.replay(v, cp?.at ?? null, known);
  }

  private async replay(
    v: VehicleGeo,
    after: GeoKey | null,
    known: ReadonlySet<string>,
  ): Promise<VehicleGeo> {
    v.known = known;
    for await (const item of storedItems(this.deps.store, v.deviceId, after)) {
      v.feed(item);
      this.figures.replayed += 1;
    }
    this.vehicles.set(v.deviceId, v);
    this.dirty.delete(v.deviceId);
    return v;
  }

  private async hasOlder(id: string, from: SampleKey): Promise<boolean> {
    const rows = await this.deps.store.readings({
      deviceId: id,
      from: Number.MIN_SAFE_INTEGER,
      to: from.time,
      order: 'asc',
      limit: 1,
      signals: ['speed'],
    });
    const first = rows[0];
    return first !== undefined && compareKeys({ time: first.timestamp, seq: first.seq }, from) < 0;
  }

  private fail(id: string, from: SampleKey, err: unknown): void {
    this.figures.failures += 1;
    this.vehicles.delete(id);
    const was = this.dirty.get(id) ?? null;
    this.dirty.set(id, minKey(was, from) as SampleKey);
    this.deps.log.warn(
      { deviceId: id, err: (err as Error).message },
      'geo: vehicle not processed; recomputed with its next batch',
    );
  }

  /**
   * One apply for the batch. When it fails nothing of it is known to be written: each vehicle is
   * recomputed with its next batch from a checkpoint before this batch's earliest reading.
   */
  private async write(
    changes: GeoChange[],
    touched: VehicleGeo[],
    pending: ReadonlyMap<string, Pending>,
  ): Promise<void> {
    if (changes.length === 0) return;
    const forget = (err: unknown) => {
      for (const c of changes) this.fail(c.deviceId, pending.get(c.deviceId)?.min ?? ORIGIN, err);
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
    for (const c of changes) {
      const skip = known.get(c.deviceId);
      for (const e of c.events) {
        if (skip?.has(e.id)) continue;
        if (client?.connected) {
          const body = eventBody({ ...e, deviceId: c.deviceId });
          client.publish(GEO_EVENTS_TOPIC, encodeGeoEvent(body), { qos: 0 });
          this.figures.published += 1;
        }
      }
    }
  }

  stats(): Record<string, number> {
    return { vehicles: this.vehicles.size, ...this.figures };
  }

  /**
   * Writes every vehicle's rolling checkpoint (a clean handover or stop: the next owner resumes
   * without replaying), then closes the geo store if it owns it. Safe to call twice.
   */
  async stop(): Promise<void> {
    if (this.stopped) return;
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
    this.stopped = true;
    this.vehicles.clear();
    if (this.options.ownsStore) await this.deps.geo.stop();
  }
}
