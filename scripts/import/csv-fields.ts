// CSV fields of one line (RFC 4180 quoting) and the numbers in them, kept apart from what the columns mean.

/**
 * The fields of one CSV line, or undefined when its quoting is broken (an unterminated quote, or
 * text after a closing quote). A quoted field may hold commas and doubled quotes, not newlines.
 */
export function splitCsvLine(line: string): string[] | undefined {
  if (line.indexOf('"') < 0) return line.split(',');
  const fields: string[] = [];
  let i = 0;
  for (;;) {
    if (line.charCodeAt(i) === 34 /* " */) {
      let value = '';
      let from = i + 1;
      for (;;) {
        const quote = line.indexOf('"', from);
        if (quote < 0) return undefined;
        value += line.slice(from, quote);
        if (line.charCodeAt(quote + 1) === 34) {
          value += '"';
          from = quote + 2;
          continue;
        }
        i = quote + 1;
        break;
      }
      fields.push(value);
      if (i === line.length) return fields;
      if (line.charCodeAt(i) !== 44 /* , */) return undefined;
      i += 1;
      continue;
    }
    const comma = line.indexOf(',', i);
    const end = comma < 0 ? line.length : comma;
    const value = line.slice(i, end);
    if (value.indexOf('"') >= 0) return undefined;
    fields.push(value);
    if (comma < 0) return fields;
    i = comma + 1;
  }
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const NOT_FINITE = /^[+-]?(?:nan|inf|infinity)$/i;

/**
 * A number cell as the wire contract's JSON would carry it: decimal text becomes a number (`1e999`
 * becomes Infinity, and `NaN` / `inf` their values, so validation names them `non_finite`); an
 * empty cell is missing; anything else stays text, which validation names `invalid_fields`.
 */
export function cellNumber(cell: string | undefined): number | string | undefined {
  if (cell === undefined || cell === '') return undefined;
  if (DECIMAL.test(cell)) return Number(cell);
  if (NOT_FINITE.test(cell)) {
    const lower = cell.toLowerCase();
    if (lower.endsWith('nan')) return Number.NaN;
    return lower.startsWith('-') ? Number.NEGATIVE_INFINITY : Number.POSITIVE_INFINITY;
  }
  return cell;
}

/** A boolean cell: true / false (any case) or 1 / 0; empty is missing; anything else stays text. */
export function cellBoolean(cell: string | undefined): boolean | string | undefined {
  if (cell === undefined || cell === '') return undefined;
  const lower = cell.toLowerCase();
  if (lower === 'true' || cell === '1') return true;
  if (lower === 'false' || cell === '0') return false;
  return cell;
}
