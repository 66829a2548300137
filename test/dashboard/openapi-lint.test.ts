// The API document as a user's linter sees it: Redocly CLI (a dev dependency, run offline) with its recommended rules finds nothing in /api/openapi.json.
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { operationSecurity } from '../../dashboard/api/openapi.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { send } from '../security/dashboard-http.js';
import { ROOT } from './browser-fixture.js';
import { type RouteFixture, startRouteFixture } from './route-fixture.js';

const run = promisify(execFile);
const REDOCLY = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');

interface LintReport {
  totals: { errors: number; warnings: number; ignored: number };
  version: string;
  problems: Array<{ ruleId: string; severity: string; message: string; location: unknown }>;
}

type Json = Record<string, unknown>;
let fixture: RouteFixture;
let doc: { paths: Record<string, Record<string, Json>> };
let docFile: string;

beforeAll(async () => {
  fixture = await startRouteFixture();
  const res = await send(fixture.base, '/api/openapi.json');
  doc = res.json as typeof doc;
  const dir = tempDir();
  docFile = join(dir, 'openapi.json');
  writeFileSync(docFile, res.text);
});

afterAll(async () => {
  await fixture?.stop();
  removeTempDirs();
});

/** `redocly lint --extends=recommended` on a file: its JSON report (the exit code is 1 on errors). */
async function lint(file: string): Promise<LintReport> {
  const out = await run(
    process.execPath,
    [REDOCLY, 'lint', '--format=json', '--extends=recommended', '--max-problems=1000', file],
    {
      // In the file's directory, so no redocly.yaml of the repo or the user decides the rules;
      // no telemetry, no update check: the test stays offline.
      cwd: join(file, '..'),
      env: {
        ...process.env,
        REDOCLY_TELEMETRY: 'off',
        REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true',
        NO_COLOR: '1',
      },
      maxBuffer: 64 * 1024 * 1024,
    },
  ).catch((err: { stdout?: string }) => ({ stdout: err.stdout ?? '' }));
  return JSON.parse(out.stdout) as LintReport;
}

describe('redocly lint (recommended rules) on the served document', () => {
  it('reports no error and no warning', async () => {
    const report = await lint(docFile);
    expect(report.version).toBe('2.77.0');
    expect(report.problems.map((p) => `${p.severity} ${p.ruleId}: ${p.message}`)).toEqual([]);
    expect(report.totals).toEqual({ errors: 0, warnings: 0, ignored: 0 });
  }, 60_000);

  it('would see a problem: the same document without servers, license and security', async () => {
    const broken = JSON.parse(JSON.stringify(doc)) as Json & typeof doc;
    delete broken.servers;
    delete (broken.info as Json).license;
    for (const ops of Object.values(broken.paths)) {
      for (const op of Object.values(ops)) delete op.security;
    }
    const file = join(tempDir(), 'broken.json');
    writeFileSync(file, JSON.stringify(broken));
    const rules = new Set((await lint(file)).problems.map((p) => p.ruleId));
    for (const rule of ['no-empty-servers', 'info-license', 'security-defined']) {
      expect(rules.has(rule), rule).toBe(true);
    }
  }, 60_000);
});

describe('security, derived from each route’s access rule', () => {
  it('every operation states it: none for public routes, the least role otherwise, and CSRF for cookie writes', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const access = op['x-access'] as { role: string };
        const security = op.security as Json[];
        if (access.role === 'public') {
          expect(security, `${method} ${path}`).toEqual([]);
          continue;
        }
        expect(security.length, `${method} ${path}`).toBe(3);
        for (const requirement of security) {
          const { csrf, ...who } = requirement as Record<string, string[]>;
          expect(Object.values(who), `${method} ${path}`).toEqual([[access.role]]);
          const needsCsrf = method !== 'get' && !('bearer' in who);
          expect(csrf !== undefined, `${method} ${path} csrf`).toBe(needsCsrf);
        }
      }
    }
  });

  it('names only schemes the document defines', () => {
    const schemes = Object.keys(
      ((doc as unknown as Json).components as { securitySchemes: Json }).securitySchemes,
    );
    const used = Object.values(doc.paths)
      .flatMap((ops) => Object.values(ops))
      .flatMap((op) => (op.security as Json[]).flatMap((r) => Object.keys(r)));
    expect(new Set(used)).toEqual(new Set(schemes));
    expect(operationSecurity({ role: 'admin', vehicle: 'none' }, 'delete')).toEqual([
      { bearer: ['admin'] },
      { session: ['admin'], csrf: [] },
      { cloudflareAccess: ['admin'], csrf: [] },
    ]);
  });
});
