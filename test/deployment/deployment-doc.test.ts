// DEPLOYMENT.md and cloudflare/README.md against the repository: commands that exist, files that exist, the same openssl steps as docker/README.md.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');
const doc = read('DEPLOYMENT.md');
const scripts = Object.keys(
  (JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts,
);

/** The bodies of the fenced code blocks of a Markdown text. */
const codeBlocks = (markdown: string) =>
  [...markdown.matchAll(/```\w*\n([\s\S]*?)```/g)].map((m) => m[1] as string);

describe('DEPLOYMENT.md', () => {
  it('runs only npm scripts that exist, and every program of each role', () => {
    const used = new Set([...doc.matchAll(/npm run ([\w-]+)/g)].map((m) => m[1] as string));
    expect([...used].filter((s) => !scripts.includes(s))).toEqual([]);
    for (const script of ['mqtt-users', 'collector', 'dashboard', 'devices', 'device']) {
      expect(used, script).toContain(script);
    }
  });

  it('names files that exist (generated secrets aside)', () => {
    const paths = new Set(
      [
        ...doc.matchAll(
          /`((?:env\.example\.[\w-]+|(?:cloudflare|docker|test)\/[\w./-]+|[\w-]+\.md))`/g,
        ),
      ].map((m) => m[1] as string),
    );
    const generated = (p: string) => p.startsWith('docker/secrets/') || p === 'docker/.env';
    const checked = [...paths].filter((p) => !generated(p));
    expect(checked.length).toBeGreaterThan(10);
    expect(checked.filter((p) => !existsSync(join(ROOT, p)))).toEqual([]);
    for (const file of [
      'env.example.broker-db',
      'env.example.dashboard',
      'env.example.device',
      'cloudflare/tunnel-dashboard.example.yml',
      'cloudflare/tunnel-mqtt-ws.example.yml',
    ]) {
      expect(paths, file).toContain(file);
    }
  });

  it("makes the broker certificate with docker/README.md's exact openssl commands", () => {
    const ours = codeBlocks(doc).find((b) => b.includes('openssl req -x509'));
    const theirs = codeBlocks(read('docker/README.md')).find((b) =>
      b.includes('openssl req -x509'),
    );
    const lines = (block: string | undefined) =>
      (block ?? '').split('\n').filter((l) => l.trim() !== '');
    expect(lines(ours).length).toBeGreaterThan(5);
    expect(lines(ours).filter((l) => !lines(theirs).includes(l))).toEqual([]);
  });

  it('gives the dashboard a read-only InfluxDB token and the collector no admin rights', () => {
    const commands = codeBlocks(doc)
      .join('\n')
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .filter((l) => l.includes('influx auth create'));
    const dashboard = commands.find((c) => c.includes('dashboard'));
    const collector = commands.find((c) => c.includes('"collector"'));
    expect(dashboard).toMatch(/--read-bucket "\$BUCKET_ID"/);
    expect(dashboard).not.toMatch(/--write-bucket|--all-access|--operator/);
    expect(collector).toMatch(/--write-bucket "\$BUCKET_ID"/);
    expect(collector).not.toMatch(/--all-access|--operator/);
  });

  it('says what is exposed where, and what was not run here', () => {
    expect(doc).toMatch(/^## What is exposed where/m);
    expect(doc).toMatch(/^## Verified here, and not/m);
    for (const port of ['9001', '1883', '8883', '8086', '5000']) expect(doc).toContain(port);
  });
});

describe('cloudflare/README.md', () => {
  it('explains both tunnel files, the Access policy and why not tcp://', () => {
    const readme = read('cloudflare/README.md');
    for (const needle of [
      'tunnel-dashboard.example.yml',
      'tunnel-mqtt-ws.example.yml',
      'cloudflared access tcp',
      'Access',
      'DASHBOARD_TRUST_PROXY=loopback',
    ]) {
      expect(readme, needle).toContain(needle);
    }
  });
});
