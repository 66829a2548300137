// Hostile strings and request shapes for every path and query parameter of the dashboard's routes, and the checks on each answer.
import { isCleanErrorBody, type RawResponse, send } from './dashboard-http.js';

/** Injection attempts and awkward text: SQL, InfluxQL, markup, control characters, unicode, size. */
export const HOSTILE: ReadonlyArray<readonly [string, string]> = [
  ['SQL: drop table', "'; DROP TABLE readings; --"],
  ['SQL: always true', '" OR 1=1 --'],
  ['SQL: union', "vehicle_01' UNION SELECT * FROM readings --"],
  ['InfluxQL: regex over every device', "' OR device_id =~ /.*/ --"],
  ['InfluxQL: second statement', 'vehicle_01"; DROP DATABASE "vehicle-data'],
  ['InfluxQL: escaped quote', 'vehicle_01\\" OR 1=1'],
  ['script tag', '<script>alert(1)</script>'],
  ['attribute breakout', '"><img src=x onerror=alert(1)>'],
  ['NUL byte', 'vehicle_01\u0000'],
  ['CR LF', 'vehicle_01\r\nX-Injected: 1'],
  ['fullwidth digits', 'vehicle_０１'],
  ['right-to-left override', 'vehicle_\u202e10'],
  ['emoji', 'vehicle_🚗'],
  ['path traversal', '../../../etc/passwd'],
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as text
  ['templates', '${7*7}{{7*7}}#{7*7}'],
  ['NoSQL operator', '{"$gt":""}'],
  ['huge number', '1e308'],
  ['negative', '-1'],
  ['NaN', 'NaN'],
  ['10 kB', 'a'.repeat(10_240)],
  ['10 kB of quotes', "'".repeat(10_240)],
  ['empty', ''],
];

const enc = encodeURIComponent;
export const ROUTES_WITHOUT_PARAMS = [
  '/api/health',
  '/api/devices/status',
  '/metrics',
  '/api/devices',
  '/api/openapi.json',
  '/api/docs',
];
const LATEST = '/api/devices/vehicle_01/latest';
const HISTORY = '/api/devices/vehicle_01/history';
const READINGS = '/api/devices/vehicle_01/readings';
export const HISTORY_PARAMS = ['duration', 'from', 'to', 'points'] as const;
const ALARMS = '/api/alarms';
export const ALARMS_PARAMS = ['state', 'device_id', 'limit'] as const;
export const READINGS_PARAMS = [
  'from',
  'to',
  'limit',
  'order',
  'cursor',
  'min_speed',
  'max_speed',
  'format',
] as const;

export interface Slot {
  what: string;
  paths: (value: string) => string[];
  /**
   * Values this slot legitimately takes (a filter such as device_id=-1 is a valid id that matches
   * nothing): those must answer 200 with a JSON list instead.
   */
  valid?: RegExp;
  /** Valid values answer a page (200 text/html) rather than a JSON list. */
  validIsPage?: boolean;
}

/** Where a user can put text: every path parameter, every query parameter, unknown ones. */
export function slots(routes: 'all' | 'store'): Slot[] {
  const withParams = [LATEST, HISTORY, READINGS];
  const all = routes === 'all' ? [...ROUTES_WITHOUT_PARAMS, ...withParams, ALARMS] : withParams;
  // The alarm routes read the dashboard's own state file, whatever the store is.
  const alarmSlots: Slot[] =
    routes === 'all'
      ? ALARMS_PARAMS.map((p) => ({
          what: `${p} of /api/alarms`,
          paths: (v: string) => [`${ALARMS}?${p}=${enc(v)}`],
          ...(p === 'device_id' ? { valid: /^[A-Za-z0-9_-]{1,64}$/ } : {}),
        }))
      : [];
  return [
    ...alarmSlots,
    { what: ':id of /latest', paths: (v) => [`/api/devices/${enc(v)}/latest`] },
    // The vehicle page: a well-formed id gets the static page (which says whether it is known).
    ...(routes === 'all'
      ? [
          {
            what: ':id of /vehicles',
            paths: (v: string) => [`/vehicles/${enc(v)}`],
            valid: /^[A-Za-z0-9_-]{1,64}$/,
            validIsPage: true,
          },
        ]
      : []),
    { what: ':id of /history', paths: (v) => [`/api/devices/${enc(v)}/history?duration=5m`] },
    ...HISTORY_PARAMS.map((p) => ({
      what: `${p} of /history`,
      paths: (v: string) => [`${HISTORY}?${p}=${enc(v)}`],
    })),
    { what: ':id of /readings', paths: (v) => [`/api/devices/${enc(v)}/readings?limit=5`] },
    ...READINGS_PARAMS.map((p) => ({
      what: `${p} of /readings`,
      // Also beside format: an export is refused as early as a page.
      paths: (v: string) => [`${READINGS}?${p}=${enc(v)}`, `${READINGS}?format=csv&${p}=${enc(v)}`],
    })),
    {
      what: 'a parameter name, on every route',
      paths: (v) => all.map((r) => `${r}?${enc(v)}=1`),
    },
    {
      what: 'a parameter value, on routes that take none',
      paths: (v) =>
        [...(routes === 'all' ? ROUTES_WITHOUT_PARAMS : []), LATEST].map((r) => `${r}?q=${enc(v)}`),
    },
  ];
}

/** Request shapes rather than values: repeats, arrays, objects, prototype keys, raw escapes. */
export const SHAPES: readonly string[] = [
  `${HISTORY}?duration=5m&duration=1h`,
  `${HISTORY}?points=10&points=20`,
  `${HISTORY}?duration[]=5m`,
  `${HISTORY}?duration[$gt]=`,
  `${HISTORY}?from[]=2026-01-01T00:00:00Z&from[]=2026-01-02T00:00:00Z`,
  `${HISTORY}?__proto__[polluted]=1`,
  `${HISTORY}?constructor[prototype][polluted]=1`,
  `${HISTORY}?toString=1`,
  `${HISTORY}?duration=%00`,
  `${HISTORY}?duration=5m%00`,
  `${HISTORY}?points=%2B10`,
  `${HISTORY}?points=0x10`,
  `${HISTORY}?from=2026-01-01T00:00:00Z%0D%0ASet-Cookie:x=1`,
  '/api/devices/%2e%2e%2f%2e%2e%2fetc%2fpasswd/latest',
  '/api/devices/%252e%252e%252f/latest',
  '/api/devices/vehicle_01%00/latest',
  '/api/devices/vehicle_01%2Flatest/latest',
  `/api/devices/${'a'.repeat(10_240)}/history`,
  '/api/devices/status?__proto__=1',
  '/api/health?hasOwnProperty=1',
  '/metrics?name[]=telemetry_collector_readings_stored_total',
  '/metrics?constructor[prototype][polluted]=1',
  `${ALARMS}?state=active&state=all`,
  `${ALARMS}?state[]=active`,
  `${ALARMS}?device_id[$ne]=x`,
  `${ALARMS}?limit=1e3`,
  `${ALARMS}?limit=0`,
  `${ALARMS}?limit=1001`,
  `${ALARMS}?__proto__[state]=all`,
  `${READINGS}?limit=10&limit=20`,
  `${READINGS}?cursor[]=a`,
  `${READINGS}?min_speed[$gt]=`,
  `${READINGS}?order=asc%00`,
  `${READINGS}?format=csv%0D%0AX-Injected:1`,
  `${READINGS}?max_speed=%2B10`,
  `${READINGS}?cursor=eyJ2IjoxfQ`,
  `${READINGS}?constructor[prototype][polluted]=1`,
  '/api/devices?__proto__[polluted]=1',
  '/api/docs?url=https://evil.example.com/openapi.json',
];

/** Characters no error message needs: markup, quotes, backslash, NUL, line breaks. */
const UNSAFE_CHARS = ['<', '>', '"', "'", '`', '\\', '\u0000', '\r', '\n'];
const hasUnsafe = (text: string) => UNSAFE_CHARS.some((c) => text.includes(c));

/** One request's problems: not 400/404, not a clean body, or the hostile value echoed back. */
export function problemsOf(path: string, value: string | undefined, res: RawResponse): string[] {
  const out: string[] = [];
  if (res.status !== 400 && res.status !== 404) out.push(`status ${res.status}`);
  if (!isCleanErrorBody(res)) out.push(`body ${res.text.slice(0, 200)}`);
  const message = String((res.json as { message?: unknown } | undefined)?.message ?? '');
  if (hasUnsafe(message)) out.push(`message has unsafe characters: ${message.slice(0, 200)}`);
  if (
    value !== undefined &&
    value.length >= 3 &&
    /[^\w.-]/.test(value) &&
    message.includes(value)
  ) {
    out.push('value echoed');
  }
  return out.length === 0 ? [] : [`${path.slice(0, 120)}: ${out.join('; ')}`];
}

/** Sends every hostile value into one slot; returns what went wrong (empty: nothing). */
export async function attackSlot(base: string, slot: Slot): Promise<string[]> {
  const problems: string[] = [];
  for (const [, value] of HOSTILE) {
    for (const path of slot.paths(value)) {
      const res = await send(base, path);
      if (slot.valid?.test(value)) {
        const ok = slot.validIsPage
          ? res.status === 200 && res.text.startsWith('<!doctype html>')
          : res.status === 200 && Array.isArray(res.json);
        if (!ok) {
          problems.push(`${path.slice(0, 120)}: status ${res.status} for a valid value`);
        }
        continue;
      }
      problems.push(...problemsOf(path, value, res));
    }
  }
  return problems;
}

export async function attackShapes(
  base: string,
  shapes: readonly string[] = SHAPES,
): Promise<string[]> {
  const problems: string[] = [];
  for (const path of shapes) problems.push(...problemsOf(path, undefined, await send(base, path)));
  return problems;
}

/** Requests sent by one full attack (for the rate limit the tests configure). */
export const ATTACK_BUDGET = 100_000;
