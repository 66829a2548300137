// The signals the vehicle page can show: the built-in catalog, and the catalog in force (GET /api/signals) once a vehicle sends a custom signal; how each is labelled and formatted.
import type { SignalInfo } from '../../core/dashboard-contract.js';
import { BUILTIN_SIGNALS, type SignalType, type SignalValue } from '../../core/signals/catalog.js';

export interface PageSignal {
  /** Flat key: readings' keys (`fuel_pct`, `lat`), `latest.signals`' keys. */
  key: string;
  /** What `history?signal=` takes (`fuel_pct`, `position.alt`). */
  name: string;
  type: SignalType;
  unit: string;
  /** The heading of its chart: the catalog's description, else its name. */
  label: string;
  /** Shown in the position text, not as a chart of its own. */
  position: boolean;
}

const SIGNALS_PATH = '/api/signals';

function pageSignal(s: Omit<SignalInfo, 'min' | 'max' | 'max_exclusive' | 'builtin'>): PageSignal {
  return {
    key: s.key,
    name: s.name,
    type: s.type,
    unit: s.unit,
    label: s.description.trim() === '' ? s.name : s.description,
    position: s.name.startsWith('position.'),
  };
}

export const BUILTIN_PAGE_SIGNALS: readonly PageSignal[] = BUILTIN_SIGNALS.map(pageSignal);

/** The catalog in force; the built-in one if the route fails (an older dashboard, a network error). */
export async function loadSignals(): Promise<readonly PageSignal[]> {
  try {
    const res = await fetch(SIGNALS_PATH);
    if (!res.ok) return BUILTIN_PAGE_SIGNALS;
    const body = (await res.json()) as SignalInfo[];
    if (!Array.isArray(body)) return BUILTIN_PAGE_SIGNALS;
    return body
      .filter((s) => typeof s.name === 'string' && (s.type === 'number' || s.type === 'boolean'))
      .map((s) =>
        pageSignal({
          ...s,
          key: typeof s.key === 'string' ? s.key : s.name.replace(/^position\./, ''),
          description: typeof s.description === 'string' ? s.description : '',
          unit: typeof s.unit === 'string' ? s.unit : '',
        }),
      );
  } catch {
    return BUILTIN_PAGE_SIGNALS;
  }
}

/** 12034.615 → "12034.62", 14 → "14": at most two decimals, as the chart's legend would. */
export function formatNumber(v: number): string {
  return String(Math.round(v * 100) / 100);
}

/** A value with its unit: "63.5 %", "14.1 V", "on". */
export function formatValue(signal: PageSignal, value: SignalValue): string {
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  return signal.unit === '' ? formatNumber(value) : `${formatNumber(value)} ${signal.unit}`;
}
