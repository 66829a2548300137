// Per-vehicle geofence enter/exit with hysteresis: enter on the first fix inside, exit only once a fix is more than a margin outside.
import {
  exactlyInside,
  type GeofenceId,
  type ZoneIndex,
  zoneOutsideBy,
  zonesNear,
} from './geofence-index.js';

/** Serializable: the zones the vehicle is in, sorted by their id as text. */
export interface GeofenceState {
  inside: GeofenceId[];
}

export interface GeofenceTransition {
  type: 'geofence_enter' | 'geofence_exit';
  geofenceId: GeofenceId;
  name: string;
}

export function initialGeofenceState(): GeofenceState {
  return { inside: [] };
}

const byText = (a: GeofenceId, b: GeofenceId) => {
  const x = String(a);
  const y = String(b);
  return x < y ? -1 : x > y ? 1 : 0;
};

/**
 * Updates the state with one usable fix and returns the transitions, exits first then enters,
 * each group in id order. A vehicle parked on a border with jitter smaller than the margin gives
 * one enter (its first fix inside) and, when it drives away, one exit. A zone deleted while the
 * vehicle was in it is forgotten without an exit; a zone added around it gives an enter.
 */
export function updateGeofences(
  state: GeofenceState,
  index: ZoneIndex,
  lat: number,
  lon: number,
  marginM: number,
): GeofenceTransition[] {
  if (state.inside.length === 0) {
    // Outside every zone (most samples): only the zones whose box holds the point are looked at,
    // with nothing allocated unless one is entered.
    const entered: GeofenceTransition[] = [];
    for (const z of zonesNear(index, lat, lon)) {
      if (!exactlyInside(z, lat, lon)) continue;
      entered.push({ type: 'geofence_enter', geofenceId: z.fence.id, name: z.fence.name });
    }
    if (entered.length === 0) return entered;
    entered.sort((a, b) => byText(a.geofenceId, b.geofenceId));
    state.inside = entered.map((e) => e.geofenceId);
    return entered;
  }
  const out: GeofenceTransition[] = [];
  const was = new Set(state.inside);
  const now: GeofenceId[] = [];
  for (const id of state.inside) {
    const z = index.byId.get(id);
    if (!z) continue;
    if (zoneOutsideBy(z, lat, lon, marginM)) {
      out.push({ type: 'geofence_exit', geofenceId: id, name: z.fence.name });
    } else now.push(id);
  }
  const entered: GeofenceTransition[] = [];
  for (const z of zonesNear(index, lat, lon)) {
    const id = z.fence.id;
    if (was.has(id) || !exactlyInside(z, lat, lon)) continue;
    now.push(id);
    entered.push({ type: 'geofence_enter', geofenceId: id, name: z.fence.name });
  }
  entered.sort((a, b) => byText(a.geofenceId, b.geofenceId));
  out.sort((a, b) => byText(a.geofenceId, b.geofenceId));
  state.inside = now.sort(byText);
  return [...out, ...entered];
}
