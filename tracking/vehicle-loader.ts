// Brings a vehicle's geo state up to date from the stores: its newest checkpoint before a key, then every reading stored after it replayed (geo/ledger.ts's recipe).
import type { GeoKey, GeoStore } from '../core/store/geo-store.js';
import { EARLIEST_MS, type TelemetryStore } from '../core/store/types.js';
import { compareKeys, type SampleKey } from '../geo/sample.js';
import type { TrackerOptions } from '../geo/tracker.js';
import { storedItems } from './replay.js';
import { ORIGIN, parseState, VehicleGeo } from './vehicle-geo.js';

export interface LoaderDeps {
  geo: GeoStore;
  store: TelemetryStore;
  optionsFor: (deviceId: string) => TrackerOptions;
}

const fenceMeta = (deviceId: string) => `fence:${deviceId}`;

export interface Loaded {
  vehicle: VehicleGeo;
  /** Readings pushed again. */
  replayed: number;
  /** A recomputation (something may be replaced), not a vehicle geo never saw. */
  recomputed: boolean;
}

/**
 * The vehicle from its newest checkpoint before `from`; what was produced after that checkpoint is
 * replaced by the replay's outputs (the change's `after`). A vehicle geo never saw starts at
 * `from`; when the store already held older readings of it (a store that predates geo), a fence
 * checkpoint marks where its geo history begins, and readings arriving later from before it stay
 * outside it.
 */
export async function loadVehicle(
  deps: LoaderDeps,
  deviceId: string,
  from: SampleKey,
): Promise<Loaded> {
  const { geo } = deps;
  const opts = deps.optionsFor(deviceId);
  let cp = await geo.checkpoint(deviceId, from);
  if (!cp && !(await geo.checkpoint(deviceId))) {
    // Never seen: nothing to replace; the readings from `from` on are new to geo.
    const before = { time: from.time, seq: from.seq - 1 };
    const vehicle = new VehicleGeo(deviceId, opts, undefined, null);
    if (await hasOlder(deps.store, deviceId, from)) {
      vehicle.fenceAt(before);
      await geo.setMeta(fenceMeta(deviceId), JSON.stringify(before));
    }
    const replayed = await replay(deps.store, vehicle, before);
    return { vehicle, replayed, recomputed: false };
  }
  if (!cp) {
    const fence = await geo.meta(fenceMeta(deviceId));
    if (fence !== undefined) {
      const at = JSON.parse(fence) as GeoKey;
      cp = await geo.checkpoint(deviceId, { time: at.time, seq: at.seq + 1 });
    }
  }
  const vehicle = new VehicleGeo(
    deviceId,
    opts,
    cp ? parseState(cp.state) : undefined,
    cp?.at ?? ORIGIN,
  );
  // Events already announced are not announced again when the replay produces them anew.
  vehicle.known = new Set(await geo.eventIdsAfter(deviceId, cp?.at ?? null));
  const replayed = await replay(deps.store, vehicle, cp?.at ?? null);
  return { vehicle, replayed, recomputed: true };
}

async function replay(
  store: TelemetryStore,
  vehicle: VehicleGeo,
  after: GeoKey | null,
): Promise<number> {
  let n = 0;
  for await (const item of storedItems(store, vehicle.deviceId, after)) {
    vehicle.feed(item);
    n++;
  }
  return n;
}

async function hasOlder(
  store: TelemetryStore,
  deviceId: string,
  from: SampleKey,
): Promise<boolean> {
  const rows = await store.readings({
    deviceId,
    from: EARLIEST_MS,
    to: from.time,
    order: 'asc',
    limit: 1,
    signals: ['speed'],
  });
  const first = rows[0];
  return first !== undefined && compareKeys({ time: first.timestamp, seq: first.seq }, from) < 0;
}
