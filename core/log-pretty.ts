// Human log lines for a terminal: a pino destination stream that rewrites each JSON line as "time LEVEL program message key=value".
//
// Why our own and not pino-pretty: it is not a dependency (and may not be added here), and what we
// need is one pure function over pino's JSON line, ~80 lines. Log calls stay as they are: the JSON
// line is still what pino produces, only its final form on the terminal changes.

export interface PrettyOptions {
  colour: boolean;
}

/** Where formatted lines go: a SonicBoom (pino.destination) or any writable. */
export interface LineSink {
  write(text: string): unknown;
  flush?(cb?: (err?: Error | null) => void): unknown;
}

const LEVELS: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'FATAL',
};
const LEVEL_COLOUR: Record<number, string> = {
  10: '90',
  20: '90',
  30: '32',
  40: '33',
  50: '31',
  60: '35',
};
/** pino's own keys and what the line's head already shows. */
const HEAD_KEYS = new Set(['level', 'time', 'pid', 'hostname', 'name', 'msg', 'component']);
/** One field never takes over the line (rejected topics, payload details are attacker-sized). */
const MAX_VALUE_CHARS = 300;

export function prettyStream(sink: LineSink, options: PrettyOptions): LineSink {
  return {
    write: (line: string) => sink.write(prettyLine(line, options)),
    flush: (cb?: (err?: Error | null) => void) => (sink.flush ? sink.flush(cb) : cb?.(null)),
  };
}

const paint = (on: boolean, code: string, text: string) =>
  on ? `\x1b[${code}m${text}\x1b[0m` : text;

/** `12:00:01.234 INFO  collector  stats  received=120 stored=118`; a line that is not JSON passes through. */
export function prettyLine(line: string, options: PrettyOptions): string {
  let entry: Record<string, unknown>;
  try {
    entry = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line;
  }
  if (entry === null || typeof entry !== 'object') return line;
  const level = typeof entry.level === 'number' ? entry.level : 30;
  const c = options.colour;
  const head = [
    paint(c, '2', clock(typeof entry.time === 'number' ? entry.time : Date.now())),
    paint(c, LEVEL_COLOUR[level] ?? '0', (LEVELS[level] ?? String(level)).padEnd(5)),
    paint(c, '36', `[${program(entry)}]`),
    inert(String(entry.msg ?? '')),
  ];
  const fields: string[] = [];
  let stack: string | undefined;
  for (const [key, value] of Object.entries(entry)) {
    if (HEAD_KEYS.has(key)) continue;
    if (key === 'err' && value && typeof value === 'object') {
      const err = value as { message?: unknown; stack?: unknown };
      fields.push(`${paint(c, '2', 'err=')}${shown(err.message ?? value)}`);
      // The stack helps with a crash; on a warning it would bury the line.
      if (level >= 50 && typeof err.stack === 'string') stack = err.stack;
      continue;
    }
    fields.push(`${paint(c, '2', `${key}=`)}${shown(value)}`);
  }
  let out = head.join(' ');
  if (fields.length > 0) out += `  ${fields.join(' ')}`;
  if (stack)
    out += stack
      .split('\n')
      .map((l) => `\n    ${inert(l)}`)
      .join('');
  return `${out}\n`;
}

function program(entry: Record<string, unknown>): string {
  const name = typeof entry.name === 'string' ? entry.name : '-';
  return typeof entry.component === 'string' ? `${name}/${entry.component}` : name;
}

const two = (n: number) => String(n).padStart(2, '0');

/** Local wall-clock time to the millisecond: the date is rarely in doubt on a terminal. */
function clock(ms: number): string {
  const d = new Date(ms);
  return `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}.${String(d.getMilliseconds()).padStart(3, '0')}`;
}

/**
 * Plain words stay bare; fractions get 3 decimals; a map of counters shows only what is not 0
 * (`rejected={invalid_json:3}`); anything else (spaces, quotes, structure, non-ASCII) is JSON.
 * Capped.
 */
function shown(value: unknown): string {
  const text =
    typeof value === 'string' && /^[!#-<>-[\]-~]+$/.test(value)
      ? value
      : typeof value === 'number'
        ? String(Number.isInteger(value) ? value : Number(value.toFixed(3)))
        : typeof value === 'boolean'
          ? String(value)
          : (counters(value) ?? inert(JSON.stringify(value) ?? String(value)));
  return text.length > MAX_VALUE_CHARS ? `${text.slice(0, MAX_VALUE_CHARS)}…` : text;
}

function counters(value: unknown): string | undefined {
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  if (entries.length === 0 || !entries.every(([, v]) => typeof v === 'number')) return undefined;
  const shownEntries = entries
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => `${inert(k)}:${shown(v)}`);
  return `{${shownEntries.join(' ')}}`;
}

/**
 * Device and client text reaches these lines (a rejected topic, a detail): JSON escapes C0
 * controls but not DEL and C1 (0x7f-0x9f), which some terminals obey as escape sequences.
 */
function inert(text: string): string {
  return text.replace(
    // biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
    /[\x00-\x1f\x7f-\x9f]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
