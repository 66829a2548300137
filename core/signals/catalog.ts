// The signal catalog: every signal a reading may carry (name, type, unit, range), built-in and custom; validation, stores, API, CSV and the page derive from it.

export type SignalType = 'number' | 'boolean';
export type SignalValue = number | boolean;

/** Where a signal sits in a telemetry payload: a top-level key, or a key of `position`. */
export type SignalGroup = 'top' | 'position';

export interface SignalDef {
  /** Name in the API (`/api/signals`, `signal=`): `speed`, `position.lat`, `temperature_c`. */
  readonly name: string;
  /**
   * Flat key: the key in a reading's `values`, the store column, the CSV column, the InfluxDB
   * field: `speed`, `lat`, `temperature_c`.
   */
  readonly key: string;
  /** Key inside its group on the wire (`lat` under `position`, `speed` at the top). */
  readonly wireKey: string;
  readonly group: SignalGroup;
  readonly type: SignalType;
  readonly unit: string;
  /** Inclusive bounds of a valid value (numbers only; null: unbounded). */
  readonly min: number | null;
  readonly max: number | null;
  /** `max` itself is out of range (heading: 0 ≤ h < 360). */
  readonly maxExclusive: boolean;
  readonly builtin: boolean;
  readonly description: string;
}

interface Spec {
  type?: SignalType;
  unit?: string;
  min?: number | null;
  max?: number | null;
  maxExclusive?: boolean;
  description: string;
}

function builtin(group: SignalGroup, key: string, spec: Spec): SignalDef {
  return {
    name: group === 'position' ? `position.${key}` : key,
    key,
    wireKey: key,
    group,
    type: spec.type ?? 'number',
    unit: spec.unit ?? '',
    min: spec.min ?? null,
    max: spec.max ?? null,
    maxExclusive: spec.maxExclusive ?? false,
    builtin: true,
    description: spec.description,
  };
}

/**
 * The built-in signals, in catalog order (INTERFACE.md, "Telemetry: position and signals"). Adding
 * one is one entry here: validation, the stores' columns and rollups, the API's schemas, CSV
 * columns, import and the page all read this list.
 */
export const BUILTIN_SIGNALS: readonly SignalDef[] = [
  builtin('top', 'speed', { unit: 'km/h', min: 0, max: 300, description: 'Speed over ground' }),
  builtin('position', 'lat', { unit: '°', min: -90, max: 90, description: 'Latitude, WGS 84' }),
  builtin('position', 'lon', { unit: '°', min: -180, max: 180, description: 'Longitude, WGS 84' }),
  builtin('position', 'alt', { unit: 'm', min: -500, max: 10_000, description: 'Altitude' }),
  builtin('position', 'acc', {
    unit: 'm',
    min: 0,
    max: 100_000,
    description: 'Horizontal accuracy of the fix',
  }),
  builtin('position', 'heading', {
    unit: '°',
    min: 0,
    max: 360,
    maxExclusive: true,
    description: 'Course, degrees from north, clockwise',
  }),
  builtin('top', 'ignition', { type: 'boolean', description: 'Ignition on' }),
  builtin('top', 'odometer_km', { unit: 'km', min: 0, max: 10_000_000, description: 'Odometer' }),
  builtin('top', 'fuel_pct', { unit: '%', min: 0, max: 100, description: 'Fuel level' }),
  builtin('top', 'battery_v', {
    unit: 'V',
    min: 0,
    max: 60,
    description: 'Vehicle battery voltage',
  }),
  builtin('top', 'battery_pct', {
    unit: '%',
    min: 0,
    max: 100,
    description: "The device's own battery (phone, tracker)",
  }),
  builtin('top', 'coolant_c', {
    unit: '°C',
    min: -60,
    max: 200,
    description: 'Coolant temperature',
  }),
  builtin('top', 'rpm', { unit: '1/min', min: 0, max: 20_000, description: 'Engine speed' }),
];

/** Flat keys of the position group (nested under `position` on the wire). */
export const POSITION_KEYS: ReadonlySet<string> = new Set(
  BUILTIN_SIGNALS.filter((s) => s.group === 'position').map((s) => s.key),
);

/** Names no custom signal may take: the reading's own keys, the position group and its flags. */
export const RESERVED_NAMES: ReadonlySet<string> = new Set([
  'device_id',
  'seq',
  'timestamp',
  'ts',
  'time',
  'position',
  'position_valid',
  'position_flag',
  'pos_flag',
  'values',
  ...BUILTIN_SIGNALS.map((s) => s.key),
]);

export const CUSTOM_NAME_PATTERN = /^[a-z][a-z0-9_]{0,31}$/;

/** A custom signal as SIGNALS_FILE declares it. */
export interface CustomSignalSpec {
  name: string;
  type: SignalType;
  unit?: string | undefined;
  min?: number | undefined;
  max?: number | undefined;
  description?: string | undefined;
}

export function customSignal(spec: CustomSignalSpec): SignalDef {
  return {
    name: spec.name,
    key: spec.name,
    wireKey: spec.name,
    group: 'top',
    type: spec.type,
    unit: spec.unit ?? '',
    min: spec.type === 'number' ? (spec.min ?? null) : null,
    max: spec.type === 'number' ? (spec.max ?? null) : null,
    maxExclusive: false,
    builtin: false,
    description: spec.description ?? '',
  };
}

/** The CSV columns every export has before the signals, and the position flags' columns. */
export const READING_KEY_COLUMNS = ['device_id', 'seq', 'timestamp'] as const;
export const POSITION_FLAG_COLUMNS = ['position_valid', 'position_flag'] as const;

/** Why a stored position is not used for maps, tracks, distance or trips. */
export const POSITION_FLAGS = ['zero_fix', 'jump'] as const;
export type PositionFlag = (typeof POSITION_FLAGS)[number];

/**
 * The catalog in force: the built-in signals, then SIGNALS_FILE's custom ones, in that order
 * (the order of CSV columns, store columns and the API's lists).
 */
export class SignalCatalog {
  readonly signals: readonly SignalDef[];
  readonly custom: readonly SignalDef[];
  /** Top-level payload keys that are signals (`speed`, `ignition`, custom names). */
  readonly topLevel: readonly SignalDef[];
  /** Keys of `position`. */
  readonly position: readonly SignalDef[];
  /** Validation's lookups: top-level signals by payload key, and the keys `position` may have. */
  readonly topLevelByWireKey: ReadonlyMap<string, SignalDef>;
  readonly positionWireKeys: ReadonlySet<string>;
  private readonly byKey: ReadonlyMap<string, SignalDef>;
  private readonly byName: ReadonlyMap<string, SignalDef>;

  constructor(custom: readonly SignalDef[] = []) {
    this.custom = custom;
    this.signals = [...BUILTIN_SIGNALS, ...custom];
    this.topLevel = this.signals.filter((s) => s.group === 'top');
    this.position = this.signals.filter((s) => s.group === 'position');
    this.topLevelByWireKey = new Map(this.topLevel.map((s) => [s.wireKey, s]));
    this.positionWireKeys = new Set(this.position.map((s) => s.wireKey));
    this.byKey = new Map(this.signals.map((s) => [s.key, s]));
    this.byName = new Map(this.signals.map((s) => [s.name, s]));
  }

  /** By API name (`position.alt`) or flat key (`alt`). */
  find(nameOrKey: string): SignalDef | undefined {
    return this.byName.get(nameOrKey) ?? this.byKey.get(nameOrKey);
  }

  /** Signal keys in catalog order. */
  get keys(): string[] {
    return this.signals.map((s) => s.key);
  }

  /**
   * CSV columns in catalog order: `device_id,seq,timestamp,speed,lat,lon,alt,acc,heading,
   * position_valid,position_flag,ignition,…,<custom…>` (INTERFACE.md).
   */
  csvColumns(): string[] {
    const out: string[] = [...READING_KEY_COLUMNS];
    for (const s of this.signals) {
      out.push(s.key);
      if (s.key === 'heading') out.push(...POSITION_FLAG_COLUMNS);
    }
    return out;
  }
}

/** The built-in catalog alone (no SIGNALS_FILE): what tests and tools without a config use. */
export const BUILTIN_CATALOG = new SignalCatalog();

/** Is `value` acceptable for `def`? (type, finite, range) */
export function signalValueOk(def: SignalDef, value: unknown): value is SignalValue {
  if (def.type === 'boolean') return typeof value === 'boolean';
  if (typeof value !== 'number' || !Number.isFinite(value)) return false;
  if (def.min !== null && value < def.min) return false;
  if (def.max !== null && (def.maxExclusive ? value >= def.max : value > def.max)) return false;
  return true;
}
