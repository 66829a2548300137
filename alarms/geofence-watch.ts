// Geofence rules (geofence_enter, geofence_exit): per vehicle the zones it is in, with geo/'s hysteresis, and whether each rule's alarm should be open.
import {
  compileZones,
  type Geofence,
  type GeofenceId,
  speedLimitAt,
  type ZoneIndex,
} from '../geo/geofence-index.js';
import {
  type GeofenceState,
  initialGeofenceState,
  updateGeofences,
} from '../geo/geofence-tracker.js';
import type { GeofenceRule } from './rules.js';
import type { Signal } from './rules-eval/signal.js';

/** geo/config.ts's geofenceMarginM: the same border as trips' geofence events. */
const MARGIN_M = 30;

interface VehicleZones {
  fences: GeofenceState;
  /** Zones it left and has not entered again since (what an exit rule's alarm stands for). */
  left: Set<GeofenceId>;
}

export interface GeofenceSignal {
  rule: GeofenceRule;
  signal: Signal;
}

/**
 * A rule's alarm follows the vehicle's state: geofence_enter is open while it is inside the zone,
 * geofence_exit from the moment it leaves until it enters again. State, not edges: a vehicle whose
 * crossing came in a replayed backlog (not judged) has the right alarm at its next fresh fix.
 * After a restart the state is seeded from the alarms still open.
 */
export class GeofenceWatch {
  private index: ZoneIndex = compileZones([]);
  private all: ZoneIndex = compileZones([]);
  private ids = new Map<string, GeofenceId>();
  private readonly vehicles = new Map<string, VehicleZones>();
  /** Each vehicle's latest valid fix: the speed limit of the zone it is in. */
  private readonly positions = new Map<string, [number, number]>();

  constructor(private readonly rules: readonly GeofenceRule[]) {}

  /** The geofence list changed: the zones the rules name are watched; all give speed limits. */
  setZones(list: readonly Geofence[]): void {
    const names = new Set(this.rules.map((r) => r.geofence));
    const watched = list.filter((g) => names.has(g.name));
    this.index = compileZones(watched);
    this.all = compileZones(list);
    this.ids = new Map(watched.map((g) => [g.name, g.id]));
  }

  /** The lowest speed_limit_kmh of the zones around the vehicle's last fix; undefined: none. */
  limitOf(deviceId: string): number | undefined {
    const at = this.positions.get(deviceId);
    if (!at || this.all.zones.length === 0) return undefined;
    const limit = speedLimitAt(this.all, at[0], at[1], Number.NaN);
    return Number.isNaN(limit) ? undefined : limit;
  }

  /**
   * One valid fix: the alarms to open or clear (for rules whose zone is known; none when not
   * `judged`, a replayed backlog's fix, which only moves the state).
   */
  fix(
    deviceId: string,
    lat: number,
    lon: number,
    isOpen: (rule: GeofenceRule) => boolean,
    judged: boolean,
  ): GeofenceSignal[] {
    if (this.all.zones.length > 0) this.positions.set(deviceId, [lat, lon]);
    if (this.rules.length === 0) return [];
    let v = this.vehicles.get(deviceId);
    if (!v) {
      v = { fences: initialGeofenceState(), left: new Set() };
      for (const rule of this.rules) {
        const id = this.ids.get(rule.geofence);
        if (id === undefined || !isOpen(rule)) continue;
        if (rule.type === 'geofence_exit') v.left.add(id);
        else if (!v.fences.inside.includes(id)) v.fences.inside.push(id);
      }
      this.vehicles.set(deviceId, v);
    }
    for (const t of updateGeofences(v.fences, this.index, lat, lon, MARGIN_M)) {
      if (t.type === 'geofence_exit') v.left.add(t.geofenceId);
      else v.left.delete(t.geofenceId);
    }
    const out: GeofenceSignal[] = [];
    if (!judged) return out;
    for (const rule of this.rules) {
      const id = this.ids.get(rule.geofence);
      if (id === undefined) continue; // not (yet) known: no decision either way
      const open = rule.type === 'geofence_enter' ? v.fences.inside.includes(id) : v.left.has(id);
      if (open === isOpen(rule)) continue;
      const name = rule.geofence;
      const enter = rule.type === 'geofence_enter';
      out.push({
        rule,
        signal: open
          ? { kind: 'open', value: null, message: `${enter ? 'entered' : 'left'} geofence ${name}` }
          : { kind: 'clear', message: `${enter ? 'left' : 'back in'} geofence ${name}` },
      });
    }
    return out;
  }
}
