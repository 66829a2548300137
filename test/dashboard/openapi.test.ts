// OpenAPI conformance: every /api route of the Express app is in /api/openapi.json and vice versa, and real answers of every route (successes and errors) validate against it (ajv, JSON Schema 2020-12).
import { randomBytes } from 'node:crypto';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import type { Express } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { removeTempDirs } from '../helpers/tmp.js';
import { type RawResponse, send } from '../security/dashboard-http.js';
import { NOW, type RouteFixture, startRouteFixture } from './route-fixture.js';

// A CommonJS package: under ESM its function is the module itself, with a `default` copy on it.
const addFormats = addFormatsModule.default;

type Json = Record<string, unknown>;
interface Operation {
  parameters: Array<{ name: string; in: 'path' | 'query'; required: boolean }>;
  requestBody?: Json;
  responses: Record<string, { description: string; content?: Record<string, { schema: Json }> }>;
  security?: unknown[];
}
interface Document {
  openapi: string;
  paths: Record<string, Record<string, Operation>>;
}

const TOKEN = randomBytes(24).toString('hex');
let fixture: RouteFixture;
let doc: Document;
const ajv = new Ajv2020({ strict: true, allErrors: true });
addFormats(ajv);
/** Every answer checked, by operation, for the coverage assertion at the end. */
const checked = new Map<string, Set<number>>();

beforeAll(async () => {
  fixture = await startRouteFixture({
    DASHBOARD_API_TOKEN: TOKEN,
    DASHBOARD_RATE_LIMIT_PER_MIN: '100000',
  });
  doc = (await send(fixture.base, '/api/openapi.json')).json as Document;
});

afterAll(async () => {
  await fixture?.stop();
  removeTempDirs();
});

const METHODS = ['get', 'put', 'post', 'delete', 'patch'];

/** Every route the app registers (routers mounted at the root, as ApiRouter is), `:x` as `{x}`. */
function appOperations(app: Express): string[] {
  const out = new Set<string>();
  const walk = (stack: unknown[]) => {
    for (const layer of stack as Array<{
      route?: { path: string; methods: Record<string, boolean> };
      handle?: { stack?: unknown[] };
    }>) {
      if (layer.route) {
        const path = layer.route.path.replace(/:(\w+)/g, '{$1}');
        for (const m of Object.keys(layer.route.methods)) {
          if (METHODS.includes(m)) out.add(`${m.toUpperCase()} ${path}`);
        }
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: unknown[] } }).router.stack);
  // The API and /metrics (a documented operation too); the page's own paths are not operations.
  const documented = (path = '') => path.startsWith('/api/') || path === '/metrics';
  return [...out].filter((op) => documented(op.split(' ')[1])).sort();
}

function documentOperations(): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`))
    .sort();
}

/** The answer is one the document declares for the operation, and its JSON body validates. */
function conforms(template: string, method: string, url: string, res: RawResponse): string[] {
  const op = doc.paths[template]?.[method];
  const where = `${method.toUpperCase()} ${url} → ${res.status}`;
  if (!op) return [`${where}: no such operation`];
  const declared = op.responses[String(res.status)];
  if (!declared) return [`${where}: status not in the document`];
  const key = `${method} ${template}`;
  checked.set(key, (checked.get(key) ?? new Set()).add(res.status));
  const type = String(res.headers['content-type'] ?? '').split(';')[0] ?? '';
  if (!declared.content) return res.text === '' ? [] : [`${where}: a body where none is declared`];
  // Declared media types may carry parameters (`text/plain; version=0.0.4`): compare the types.
  const media = Object.entries(declared.content).find(([t]) => t.split(';')[0] === type)?.[1];
  if (!media) return [`${where}: content type ${type} not declared`];
  if (type !== 'application/json') return typeof res.text === 'string' ? [] : [`${where}: no text`];
  const validate = ajv.compile(media.schema);
  return validate(res.json)
    ? []
    : [`${where}: ${ajv.errorsText(validate.errors)} in ${res.text.slice(0, 200)}`];
}

const auth = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' };

async function call(
  method: string,
  template: string,
  url: string,
  body?: string,
  headers: Record<string, string> = auth,
): Promise<string[]> {
  const res = await send(fixture.base, url, {
    method: method.toUpperCase(),
    headers: method === 'get' ? {} : headers,
    ...(method === 'get' || body === undefined ? {} : { body }),
  });
  return conforms(template, method, url, res);
}

describe('the OpenAPI document', () => {
  it('is OpenAPI 3.1 and every schema in it compiles (JSON Schema 2020-12, strict)', () => {
    expect(doc.openapi).toBe('3.1.0');
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        for (const [status, r] of Object.entries(op.responses)) {
          for (const media of Object.values(r.content ?? {})) {
            expect(() => ajv.compile(media.schema), `${method} ${path} ${status}`).not.toThrow();
          }
        }
      }
    }
  });

  it('lists every /api route the app serves, and nothing it does not', () => {
    const app = fixture.dashboard.app;
    expect(app).toBeDefined();
    const routed = appOperations(app as Express);
    expect(routed.length).toBeGreaterThanOrEqual(11);
    expect(routed).toEqual(documentOperations());
  });
});

describe('real answers validate against the document', () => {
  it('chosen requests: each route’s successes and its errors', async () => {
    const reading = (seq: number, speed: number) => ({
      device_id: 'vehicle_01',
      seq,
      timestamp: new Date(NOW - 1000 + seq).toISOString(),
      speed,
    });
    const cases: Array<[string, string, string, string?]> = [
      ['get', '/api/health', '/api/health'],
      ['get', '/api/devices/status', '/api/devices/status'],
      ['get', '/api/devices', '/api/devices'],
      ['get', '/api/devices/{id}/latest', '/api/devices/vehicle_01/latest'],
      ['get', '/api/devices/{id}/latest', '/api/devices/vehicle_99/latest'],
      ['get', '/api/devices/{id}/history', '/api/devices/vehicle_01/history?duration=1h'],
      ['get', '/api/devices/{id}/history', '/api/devices/vehicle_01/history?points=1'],
      ['get', '/api/devices/{id}/readings', '/api/devices/vehicle_01/readings?limit=2'],
      ['get', '/api/devices/{id}/readings', '/api/devices/vehicle_01/readings?format=csv'],
      ['get', '/api/devices/{id}/readings', '/api/devices/vehicle_01/readings?format=ndjson'],
      ['get', '/api/devices/{id}/readings', '/api/devices/vehicle_01/readings?limit=0'],
      ['get', '/api/devices/{id}/readings', '/api/devices/nobody/readings'],
      ['get', '/api/openapi.json', '/api/openapi.json'],
      ['get', '/api/docs', '/api/docs'],
      ['put', '/api/devices/{id}', '/api/devices/vehicle_01', '{"name":"Van 1"}'],
      ['put', '/api/devices/{id}', '/api/devices/vehicle_01', '{"speed_limit_kmh":80}'],
      ['put', '/api/devices/{id}', '/api/devices/vehicle_01', '{"speed_limit_kmh":0}'],
      ['get', '/api/devices', '/api/devices'],
      ['delete', '/api/devices/{id}', '/api/devices/vehicle_01'],
      ['delete', '/api/devices/{id}', '/api/devices/vehicle_01'],
      [
        'post',
        '/api/readings',
        '/api/readings',
        JSON.stringify([reading(100, 10), reading(100, 10), reading(101, 400)]),
      ],
      ['post', '/api/readings', '/api/readings', '{"not":"an array"}'],
      ['post', '/api/readings', '/api/readings', JSON.stringify([{ pad: 'x'.repeat(2_200_000) }])],
    ];
    const problems: string[] = [];
    for (const [method, template, url, body] of cases) {
      problems.push(...(await call(method, template, url, body)));
    }
    expect(problems).toEqual([]);
  });

  it('every operation, generically (routes added later included): plain, unknown parameter, bad path parameter, no token', async () => {
    const problems: string[] = [];
    for (const [template, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const fill = (value: (name: string) => string) =>
          template.replace(/\{(\w+)\}/g, (_m, name: string) => value(name));
        const plain = fill((name) => (name === 'id' ? 'vehicle_01' : 'unknown_0'));
        const body = method === 'get' ? undefined : '{}';
        problems.push(...(await call(method, template, plain, body)));
        problems.push(...(await call(method, template, `${plain}?zz_unknown=1`, body)));
        if (template.includes('{')) {
          problems.push(
            ...(await call(
              method,
              template,
              fill(() => '%3Cx%3E'),
              body,
            )),
          );
        }
        if (op.security?.length) {
          problems.push(
            ...(await call(method, template, plain, body, { 'content-type': 'application/json' })),
          );
        }
      }
    }
    expect(problems).toEqual([]);
    // Every operation of the document answered at least once and was checked.
    expect([...checked.keys()].sort()).toEqual(
      documentOperations()
        .map((op) => {
          const [m, p] = op.split(' ');
          return `${m?.toLowerCase()} ${p}`;
        })
        .sort(),
    );
  });

  it('the checks would see a wrong answer', () => {
    const res = (status: number, json: unknown) => ({
      status,
      headers: { 'content-type': 'application/json; charset=utf-8' },
      text: JSON.stringify(json),
      json,
    });
    expect(conforms('/api/health', 'get', '/api/health', res(418, {}))).toHaveLength(1);
    expect(
      conforms('/api/health', 'get', '/api/health', res(200, { status: 'fine' })),
    ).toHaveLength(1);
    expect(
      conforms('/api/devices/{id}/latest', 'get', '/x', res(404, { error: 'nope', message: 1 })),
    ).toHaveLength(1);
  });
});
