// The geofence list's storage interface: the dashboard host owns it (its state file) and publishes it to the collectors.
import type { GeofenceBody } from '../core/geo-wire.js';
import type { GeofenceShape } from '../geo/geofence-shape.js';

/** What POST and PUT take: a shape already checked by validateShape. */
export interface GeofenceInput {
  name: string;
  shape: GeofenceShape;
  /** null or absent: none (the vehicle's own limit applies inside). */
  speed_limit_kmh?: number | null | undefined;
}

/** A name already used by another geofence (alarm rules name geofences: names are unique). */
export class GeofenceNameTakenError extends Error {
  constructor(readonly geofenceName: string) {
    super(`a geofence named ${JSON.stringify(geofenceName)} exists already`);
    this.name = 'GeofenceNameTakenError';
  }
}

export interface GeofenceStore {
  start(): Promise<void>;
  /** Safe to call twice. */
  stop(): Promise<void>;
  /** Every geofence, by id. */
  list(): Promise<GeofenceBody[]>;
  get(id: number): Promise<GeofenceBody | undefined>;
  /** Throws GeofenceNameTakenError. */
  create(input: GeofenceInput): Promise<GeofenceBody>;
  /** undefined: no such geofence. Throws GeofenceNameTakenError. */
  update(id: number, input: GeofenceInput): Promise<GeofenceBody | undefined>;
  remove(id: number): Promise<boolean>;
}
