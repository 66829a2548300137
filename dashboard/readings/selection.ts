// Which signals a readings request asks for (`signals=speed,position,fuel_pct`): catalog keys, and the columns of its rows and exports in catalog order.
import {
  POSITION_FLAG_COLUMNS,
  READING_KEY_COLUMNS,
  type SignalCatalog,
  type SignalDef,
} from '../../core/signals/catalog.js';
import { InvalidParameterError, nameForMessage } from '../errors.js';

/** What `signals=` may hold: the catalog's names and keys, and `position` for the whole group. */
export const POSITION_GROUP = 'position';
/** Longer than any list of distinct names a catalog of 13 + 64 signals allows. */
export const MAX_SIGNALS_PARAM = 4000;

/** A resolved `signals=`: catalog keys in catalog order; undefined keys: every signal. */
export interface SignalSelection {
  keys: readonly string[];
  /** A position key is selected: rows carry position_valid and position_flag. */
  position: boolean;
}

export function selectAll(catalog: SignalCatalog): SignalSelection {
  return { keys: catalog.keys, position: catalog.position.length > 0 };
}

/** The keys as the catalog orders them, and whether any is a position key. */
export function selectionOf(catalog: SignalCatalog, keys: readonly string[]): SignalSelection {
  const wanted = new Set(keys);
  const defs = catalog.signals.filter((s) => wanted.has(s.key));
  return { keys: defs.map((s) => s.key), position: defs.some((s) => s.group === 'position') };
}

/**
 * `signals=` resolved against the catalog: names (`position.lat`) or keys (`lat`), `position` for
 * the group; each unknown one named in the 400 (inert, at most five).
 */
export function parseSignals(text: string, catalog: SignalCatalog): SignalSelection {
  const names = text.split(',');
  if (names.some((n) => n === '')) {
    throw new InvalidParameterError(
      'signals must be a comma-separated list of signal names (see GET /api/signals)',
    );
  }
  const keys: string[] = [];
  const unknown: string[] = [];
  for (const name of names) {
    if (name === POSITION_GROUP) keys.push(...catalog.position.map((s) => s.key));
    else {
      const def = catalog.find(name);
      if (def) keys.push(def.key);
      else if (unknown.length < 6) unknown.push(name);
    }
  }
  if (unknown.length > 0) {
    const more = unknown.length > 5 ? ', …' : '';
    throw new InvalidParameterError(
      `unknown signal: ${unknown.slice(0, 5).map(nameForMessage).join(', ')}${more} (see GET /api/signals)`,
    );
  }
  return selectionOf(catalog, keys);
}

/**
 * The keys a store is asked for: the selection, and `lat` when a position key is selected
 * without it (a reading's position is valid or flagged only where it has one: lat and lon).
 */
export function storeKeys(selection: SignalSelection): string[] {
  const keys = [...selection.keys];
  if (selection.position && !keys.includes('lat')) keys.push('lat');
  return keys;
}

/** One column of an export after device_id, seq and timestamp. */
export type ExportColumn =
  | { kind: 'signal'; def: SignalDef }
  | { kind: 'position_valid' | 'position_flag' };

/** The catalog's CSV columns (device_id, seq, timestamp first) that the selection keeps. */
export function exportHeader(catalog: SignalCatalog, selection: SignalSelection): string[] {
  const keep = new Set<string>([...READING_KEY_COLUMNS, ...selection.keys]);
  if (selection.position) for (const c of POSITION_FLAG_COLUMNS) keep.add(c);
  return catalog.csvColumns().filter((c) => keep.has(c));
}

/** The header's columns after the reading's keys, each with what it holds. */
export function exportColumns(catalog: SignalCatalog, selection: SignalSelection): ExportColumn[] {
  return exportHeader(catalog, selection)
    .slice(READING_KEY_COLUMNS.length)
    .map((c): ExportColumn => {
      if (c === 'position_valid' || c === 'position_flag') return { kind: c };
      return { kind: 'signal', def: catalog.find(c) as SignalDef };
    });
}
