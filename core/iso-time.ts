// Strict ISO 8601 UTC timestamps (`YYYY-MM-DDTHH:MM:SS[.fraction]Z`) to epoch ms by arithmetic: every reading's timestamp goes through this.

/** Length of `YYYY-MM-DDTHH:MM:SSZ`; a fraction adds a dot and 1 to 9 digits. */
const SHORTEST = 20;
const LONGEST = 30;
const DAYS_IN_MONTH = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** The two-digit (or four-digit) number at `at`, or -1 if a character there is not 0-9. */
function digits(s: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return n;
}

/** Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month > 2 ? month - 3 : month + 9) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

/**
 * Epoch ms of a timestamp matching `^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?Z$` that
 * names a real instant (month 1-12, a day its month has, hour 0-23, minute and second 0-59),
 * fraction digits past the millisecond cut off as Date.parse does; undefined for anything else.
 * Exactly what `Date.parse(s)` returns for the strings whose toISOString() prints the same date
 * and time back, without the regex, the parse and the two strings that check used to cost (a test
 * holds the two to the same answers).
 */
export function parseIsoUtc(s: string): number | undefined {
  const n = s.length;
  if (n < SHORTEST || n > LONGEST || n === SHORTEST + 1) return undefined;
  if (
    s.charCodeAt(4) !== 45 || // -
    s.charCodeAt(7) !== 45 ||
    s.charCodeAt(10) !== 84 || // T
    s.charCodeAt(13) !== 58 || // :
    s.charCodeAt(16) !== 58 ||
    s.charCodeAt(n - 1) !== 90 // Z
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
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  if (day > (month === 2 && leap ? 29 : (DAYS_IN_MONTH[month - 1] as number))) return undefined;
  let ms = 0;
  if (n > SHORTEST) {
    if (s.charCodeAt(19) !== 46) return undefined; // .
    for (let i = 20; i < n - 1; i++) {
      const d = s.charCodeAt(i) - 48;
      if (d < 0 || d > 9) return undefined;
      if (i < 23) ms += d * (i === 20 ? 100 : i === 21 ? 10 : 1);
    }
  }
  return (
    daysFromCivil(year, month, day) * 86_400_000 +
    hour * 3_600_000 +
    minute * 60_000 +
    second * 1000 +
    ms
  );
}

/**
 * Epoch ms of a validated reading's timestamp: parseIsoUtc's arithmetic for the strict form every
 * device sends, Date.parse for anything else the schema admits (a time without seconds), so the
 * answer is Date.parse's in every case.
 */
export function timestampMs(s: string): number {
  return parseIsoUtc(s) ?? Date.parse(s);
}

/**
 * Each reading's timestamp as epoch ms: the caller's `times` when they match the readings one for
 * one (the collector's validation parsed them), else timestampMs of each.
 */
export function timesOf(
  readings: readonly { timestamp: string }[],
  times?: readonly number[],
): readonly number[] {
  return times !== undefined && times.length === readings.length
    ? times
    : readings.map((r) => timestampMs(r.timestamp));
}
