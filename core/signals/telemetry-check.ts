// Per-signal validation of a telemetry payload: each bad value drops that signal only (with a note), unknown keys are noted, the rest becomes a Reading's values.
import type { PositionFlag, SignalCatalog, SignalDef, SignalValue } from './catalog.js';
import { signalValueOk } from './catalog.js';

/** Why a signal of an accepted reading was left out (counted by name; the reading is kept). */
export type SignalNoteReason = 'invalid_signal' | 'unknown_signal';

export interface SignalNote {
  reason: SignalNoteReason;
  /** The signal's API name (`fuel_pct`, `position.alt`), or the unknown key (`foo`, `position.bar`). */
  signal: string;
}

export interface CheckedSignals {
  values: Record<string, SignalValue>;
  /** zero_fix when lat and lon are both 0 (judged here, from the payload alone). */
  flag: PositionFlag | undefined;
  notes: SignalNote[];
}

/** The keys of a reading that are not signals. */
const READING_KEYS: ReadonlySet<string> = new Set(['device_id', 'seq', 'timestamp']);

/** At most this many notes per reading (a 4 KiB payload of junk keys stays a few lines of counting). */
export const MAX_NOTES = 64;

function note(notes: SignalNote[], reason: SignalNoteReason, signal: string): void {
  if (notes.length < MAX_NOTES) notes.push({ reason, signal });
}

function describe(def: SignalDef): string {
  return def.name;
}

/**
 * Checks every key of a payload object (whose device_id, seq and timestamp were checked by the
 * caller) against the catalog. lat and lon come together or not at all: one of them bad or
 * missing drops the whole position (its other keys too, as a position without a place means
 * nothing), noted as `position.lat`/`position.lon` or `position`.
 */
export function checkSignals(
  catalog: SignalCatalog,
  payload: Record<string, unknown>,
): CheckedSignals {
  const values: Record<string, SignalValue> = {};
  const notes: SignalNote[] = [];
  let flag: PositionFlag | undefined;
  for (const key in payload) {
    if (READING_KEYS.has(key)) continue;
    const raw = payload[key];
    if (key === 'position') {
      flag = checkPosition(catalog, raw, values, notes);
      continue;
    }
    const def = catalog.find(key);
    if (def?.group !== 'top') {
      note(notes, 'unknown_signal', key.slice(0, 64));
      continue;
    }
    if (signalValueOk(def, raw)) values[def.key] = raw;
    else note(notes, 'invalid_signal', describe(def));
  }
  return { values, flag, notes };
}

function checkPosition(
  catalog: SignalCatalog,
  raw: unknown,
  values: Record<string, SignalValue>,
  notes: SignalNote[],
): PositionFlag | undefined {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    note(notes, 'invalid_signal', 'position');
    return undefined;
  }
  const p = raw as Record<string, unknown>;
  const found: Array<[SignalDef, SignalValue]> = [];
  let placeOk = true;
  for (const def of catalog.position) {
    const v = p[def.wireKey];
    if (v === undefined) {
      if (def.key === 'lat' || def.key === 'lon') {
        placeOk = false;
        note(notes, 'invalid_signal', describe(def));
      }
      continue;
    }
    if (signalValueOk(def, v)) found.push([def, v]);
    else {
      note(notes, 'invalid_signal', describe(def));
      if (def.key === 'lat' || def.key === 'lon') placeOk = false;
    }
  }
  for (const key in p) {
    if (!catalog.position.some((d) => d.wireKey === key)) {
      note(notes, 'unknown_signal', `position.${key.slice(0, 64)}`);
    }
  }
  if (!placeOk) return undefined;
  for (const [def, v] of found) values[def.key] = v;
  return values.lat === 0 && values.lon === 0 ? 'zero_fix' : undefined;
}
