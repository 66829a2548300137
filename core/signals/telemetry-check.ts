// Per-signal validation of a telemetry payload: each bad value drops that signal only (with a note), unknown keys are noted, the rest becomes a Reading's values.
import type { PositionFlag, SignalCatalog, SignalValue } from './catalog.js';
import { signalValueOk } from './catalog.js';

/** Why a signal of an accepted reading was left out (counted by name; the reading is kept). */
export type SignalNoteReason = 'invalid_signal' | 'unknown_signal';

export interface SignalNote {
  reason: SignalNoteReason;
  /** The signal's API name (`fuel_pct`, `position.alt`), or the unknown key (`foo`, `position.bar`). */
  signal: string;
}

export interface CheckedSignals {
  /** zero_fix when lat and lon are both 0 (judged here, from the payload alone). */
  flag: PositionFlag | undefined;
  notes: readonly SignalNote[];
}

/** At most this many notes per reading (a 4 KiB payload of junk keys stays a few lines of counting). */
export const MAX_NOTES = 64;

const NO_NOTES: readonly SignalNote[] = Object.freeze([]);

/**
 * Notes of the reading being checked. Every reading passes here and almost none has a note, so
 * one array is reused (the checks are synchronous) and copied out only when it was written to.
 */
const scratch: SignalNote[] = [];

function note(reason: SignalNoteReason, signal: string): void {
  if (scratch.length < MAX_NOTES) scratch.push({ reason, signal });
}

/**
 * Checks every key of a payload object (whose device_id, seq and timestamp were checked by the
 * caller) against the catalog and puts the valid signals into `values` by catalog key. lat and lon
 * come together or not at all: one of them bad or missing drops the whole position (its other
 * keys too, as a position without a place means nothing), noted as `position.lat`/`position.lon`
 * or `position`.
 */
export function checkSignals(
  catalog: SignalCatalog,
  payload: Record<string, unknown>,
  values: Record<string, SignalValue>,
): CheckedSignals {
  if (scratch.length !== 0) scratch.length = 0;
  let flag: PositionFlag | undefined;
  for (const key in payload) {
    if (key === 'device_id' || key === 'seq' || key === 'timestamp') continue;
    const raw = payload[key];
    if (key === 'position') {
      flag = checkPosition(catalog, raw, values);
      continue;
    }
    const def = catalog.topLevelByWireKey.get(key);
    if (def === undefined) note('unknown_signal', key.slice(0, 64));
    else if (signalValueOk(def, raw)) values[def.key] = raw;
    else note('invalid_signal', def.name);
  }
  if (scratch.length === 0) return { flag, notes: NO_NOTES };
  const notes = scratch.slice();
  scratch.length = 0;
  return { flag, notes };
}

function checkPosition(
  catalog: SignalCatalog,
  raw: unknown,
  values: Record<string, SignalValue>,
): PositionFlag | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    note('invalid_signal', 'position');
    return undefined;
  }
  const p = raw as Record<string, unknown>;
  let placeOk = true;
  for (const def of catalog.position) {
    const v = p[def.wireKey];
    const place = def.key === 'lat' || def.key === 'lon';
    if (v === undefined) {
      if (place) {
        placeOk = false;
        note('invalid_signal', def.name);
      }
      continue;
    }
    if (signalValueOk(def, v)) values[def.key] = v;
    else {
      note('invalid_signal', def.name);
      if (place) placeOk = false;
    }
  }
  for (const key in p) {
    if (!catalog.positionWireKeys.has(key)) note('unknown_signal', `position.${key.slice(0, 64)}`);
  }
  if (!placeOk) {
    // Rare: taken back out rather than held aside on every reading.
    for (const def of catalog.position) delete values[def.key];
    return undefined;
  }
  return values.lat === 0 && values.lon === 0 ? 'zero_fix' : undefined;
}
