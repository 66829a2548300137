// The import's fast path for valid speed rows: the checks of core/validate.ts's acceptReading without its Date objects.
import { isDeviceId, MAX_FUTURE_SKEW_MS, MAX_SPEED_KMH } from '../../core/contract.js';

const DAY_MS = 86_400_000;
const FRACTION_WEIGHTS = [100, 10, 1];

/** Two to four decimal digits at `at`, or -1. */
function digits(s: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

const isLeap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
const MONTH_DAYS = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * ((month + 9) % 12) + 2) / 5) + day - 1;
  return era * 146_097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719_468;
}

/**
 * Milliseconds since the epoch of `YYYY-MM-DDTHH:MM:SS[.f{1,9}]Z` naming a real UTC time, else
 * undefined: exactly the strings acceptReading's pattern, Date.parse and calendar round trip
 * accept, with Date.parse's value (a fraction is truncated to milliseconds). A test holds the two
 * to the same answers.
 */
export function isoUtcMs(s: string): number | undefined {
  const n = s.length;
  if (n !== 20 && (n < 22 || n > 30)) return undefined;
  if (
    s.charCodeAt(n - 1) !== 90 /* Z */ ||
    s.charCodeAt(4) !== 45 /* - */ ||
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 /* T */ ||
    s.charCodeAt(13) !== 58 /* : */ ||
    s.charCodeAt(16) !== 58
  ) {
    return undefined;
  }
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 2);
  const day = digits(s, 8, 2);
  const hour = digits(s, 11, 2);
  const minute = digits(s, 14, 2);
  const second = digits(s, 17, 2);
  if (year < 0 || month < 1 || month > 12 || day < 1 || hour < 0 || hour > 23) return undefined;
  if (minute < 0 || minute > 59 || second < 0 || second > 59) return undefined;
  const monthDays = month === 2 && isLeap(year) ? 29 : (MONTH_DAYS[month - 1] as number);
  if (day > monthDays) return undefined;
  let ms = 0;
  if (n > 20) {
    if (s.charCodeAt(19) !== 46 /* . */) return undefined;
    for (let i = 20; i < n - 1; i++) {
      const c = s.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return undefined;
      if (i < 23) ms += c * (FRACTION_WEIGHTS[i - 20] as number);
    }
  }
  return (
    daysFromCivil(year, month, day) * DAY_MS +
    hour * 3_600_000 +
    minute * 60_000 +
    second * 1000 +
    ms
  );
}

/**
 * The time (ms) of a row acceptReading would accept as it stands, else undefined: then
 * validateReadingValue decides (it accepts some rows this does not, and names every reject).
 */
export function fastAcceptTime(v: Record<string, unknown>, now: number): number | undefined {
  // A key besides these four makes it a telemetry payload: validation checks every signal.
  let keys = 0;
  for (const _ in v) keys++;
  if (keys !== 4) return undefined;
  const { device_id, seq, timestamp, speed } = v;
  if (typeof device_id !== 'string' || !isDeviceId(device_id)) return undefined;
  if (typeof seq !== 'number' || !Number.isSafeInteger(seq) || seq < 0) return undefined;
  if (typeof speed !== 'number' || !(speed >= 0 && speed <= MAX_SPEED_KMH)) return undefined;
  if (typeof timestamp !== 'string') return undefined;
  const ms = isoUtcMs(timestamp);
  return ms !== undefined && ms <= now + MAX_FUTURE_SKEW_MS ? ms : undefined;
}
