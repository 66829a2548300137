// docker/Dockerfile without a Docker engine: what it copies exists and holds every module the
// programs import; its commands are the documented ones (README.md, docs/npm-scripts.md).
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DOCKER, loadCompose, ROOT } from './compose-files.js';

interface Instruction {
  op: string;
  args: string;
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function instructions(): Instruction[] {
  const text = readFileSync(join(DOCKER, 'Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  return text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => {
      const [op = '', ...rest] = l.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

/** Sources of the final stage's COPY instructions from the build context (not --from). */
function copiedFromContext(): string[] {
  const all = instructions();
  const lastFrom = all.map((i) => i.op).lastIndexOf('FROM');
  const sources: string[] = [];
  all.forEach((i, index) => {
    if (i.op !== 'COPY' || i.args.includes('--from=')) return;
    const parts = i.args.split(/\s+/);
    parts.pop(); // destination
    if (index > lastFrom || parts.every((p) => p.startsWith('package'))) sources.push(...parts);
  });
  return sources;
}

const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
  packages: Record<string, { dev?: boolean }>;
};

/** Relative imports are followed; bare ones must be installed by `npm ci --omit=dev`. */
function importClosure(entries: string[]): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const queue = entries.map((e) => join(ROOT, e));
  for (let file = queue.pop(); file; file = queue.pop()) {
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(file, 'utf8');
    const specifiers = source.matchAll(
      /(?:^|\n)\s*(?:import|export)\s+(type\s+)?(?:[^'";]*?\sfrom\s+)?['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g,
    );
    for (const m of specifiers) {
      if (m[1]) continue; // type-only: erased at run time
      const spec = m[2] ?? m[3] ?? '';
      if (spec.startsWith('.')) {
        queue.push(resolve(dirname(file), spec.replace(/\.js$/, '.ts')));
      } else if (!spec.startsWith('node:') && !builtinModules.includes(spec)) {
        const name = spec.startsWith('@')
          ? spec.split('/').slice(0, 2).join('/')
          : spec.split('/')[0];
        packages.add(name ?? spec);
      }
    }
  }
  return { files, packages };
}

describe('docker/Dockerfile', () => {
  it('starts from node:20-bookworm-slim, installs with npm ci --omit=dev, runs as node', () => {
    const all = instructions();
    expect(
      all.filter((i) => i.op === 'FROM').every((i) => i.args.startsWith('node:20-bookworm-slim')),
    ).toBe(true);
    expect(all.some((i) => i.op === 'RUN' && i.args.includes('npm ci --omit=dev'))).toBe(true);
    expect(all.filter((i) => i.op === 'USER').at(-1)?.args).toBe('node');
  });

  it('copies only paths that exist in the build context', () => {
    const sources = copiedFromContext();
    expect(sources).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'core']));
    for (const s of sources) expect(existsSync(join(ROOT, s)), s).toBe(true);
  });

  it('holds every module the bundled programs (`npm run build`) and the demo import, and their packages', () => {
    const copied = copiedFromContext();
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const bundled = (pkg.scripts.build ?? '').split(/\s+/).filter((w) => w.endsWith('.ts'));
    expect(bundled).toEqual(expect.arrayContaining(['collector/main.ts', 'dashboard/main.ts']));
    const entries = [...new Set([...bundled, 'demo/main.ts'])];
    const { files, packages } = importClosure(entries);
    expect(files.size).toBeGreaterThan(30);
    expect([...packages]).toEqual(
      expect.arrayContaining(['mqtt', 'better-sqlite3', '@influxdata/influxdb-client', 'express']),
    );
    for (const file of files) {
      const rel = relative(ROOT, file);
      expect(
        copied.some((c) => rel === c || rel.startsWith(`${c}/`)),
        `${rel} is imported but not copied into the image`,
      ).toBe(true);
    }
    for (const name of packages) {
      const entry = lock.packages[`node_modules/${name}`];
      expect(entry, `${name} is not in package-lock.json`).toBeDefined();
      expect(entry?.dev, `${name} is a devDependency: npm ci --omit=dev leaves it out`).not.toBe(
        true,
      );
    }
    // The dashboard serves its page from dashboard/ at run time: the whole folder is copied.
    expect(copied).toContain('dashboard');
    expect(readdirSync(join(ROOT, 'dashboard')).length).toBeGreaterThan(0);
  });

  it('runs the commands the README documents (npm run collector|devices|dashboard)', () => {
    const docs = ['README.md', 'docs/npm-scripts.md', 'docs/influxdb.md']
      .map((p) => join(ROOT, p))
      .filter((p) => existsSync(p))
      .map((p) => readFileSync(p, 'utf8'))
      .join('\n');
    const cmd = instructions()
      .filter((i) => i.op === 'CMD')
      .at(-1)?.args;
    expect(cmd).toBe('["npm", "run", "collector"]');
    // Services built from our Dockerfile (images of others, e.g. Prometheus, take their own flags).
    const commands = Object.values(loadCompose().services)
      .filter((s) => s.build !== undefined)
      .map((s) => s.command)
      .filter((c): c is string[] => c !== undefined)
      .map((c) => c.join(' '));
    // Profile "cluster" runs more of the same: collector-2, collector-3, dashboard-2.
    expect([...new Set(commands)].sort()).toEqual([
      'npm run collector',
      'npm run dashboard',
      'npm run devices',
    ]);
    for (const c of commands) expect(docs, c).toContain(`\`${c}`);
  });
});
