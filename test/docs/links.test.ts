// The docs hold together: every relative link in README.md, DEPLOYMENT.md and docs/ resolves (anchors too), every `npm run` named exists, and the README stays a landing page.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { anchors, links, npmRuns } from './markdown.js';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const read = (path: string) => readFileSync(join(ROOT, path), 'utf8');

/** docs/**\/*.md, repository-relative, sorted. */
const docsPages = (readdirSync(join(ROOT, 'docs'), { recursive: true }) as string[])
  .map((p) => `docs/${p.split('\\').join('/')}`)
  .filter((p) => p.endsWith('.md'))
  .sort();
const FILES = ['README.md', 'DEPLOYMENT.md', ...docsPages];
const README_MAX_LINES = 250;

const anchorCache = new Map<string, Set<string>>();
const anchorsOf = (path: string) => {
  let found = anchorCache.get(path);
  if (found === undefined) {
    found = anchors(readFileSync(path, 'utf8'));
    anchorCache.set(path, found);
  }
  return found;
};

/** Why a link of `file` does not resolve, or null when it does (or is not a relative link). */
function problem(file: string, target: string): string | null {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return null; // http:, https:, mailto:, …
  const hash = target.indexOf('#');
  const pathPart = decodeURIComponent(hash === -1 ? target : target.slice(0, hash));
  const anchor = hash === -1 ? null : decodeURIComponent(target.slice(hash + 1));
  const absolute =
    pathPart === ''
      ? join(ROOT, file)
      : pathPart.startsWith('/')
        ? join(ROOT, pathPart)
        : join(ROOT, dirname(file), pathPart);
  if (!absolute.startsWith(ROOT)) return 'points outside the repository';
  if (!existsSync(absolute)) return `no such file: ${relative(ROOT, absolute)}`;
  if (anchor === null || anchor === '') return null;
  if (statSync(absolute).isDirectory() || !absolute.endsWith('.md')) return null;
  if (anchorsOf(absolute).has(anchor)) return null;
  return `no heading #${anchor} in ${relative(ROOT, absolute)}`;
}

describe('the docs', () => {
  it('finds the pages it checks', () => {
    expect(docsPages.length).toBeGreaterThan(10);
    expect(docsPages).toContain('docs/README.md');
  });

  it('has only relative links that resolve, anchors included (file:line: target: why)', () => {
    const broken: string[] = [];
    let checked = 0;
    for (const file of FILES) {
      for (const { target, line } of links(read(file))) {
        checked += 1;
        const why = problem(file, target);
        if (why !== null) broken.push(`${file}:${line}: ${target}: ${why}`);
      }
    }
    expect(checked).toBeGreaterThan(50);
    expect(broken).toEqual([]);
  });

  it('names only npm scripts that package.json has (file:line: npm run name)', () => {
    const scripts = (JSON.parse(read('package.json')) as { scripts: Record<string, string> })
      .scripts;
    const unknown: string[] = [];
    let named = 0;
    for (const file of FILES) {
      for (const { name, line } of npmRuns(read(file))) {
        named += 1;
        if (!Object.hasOwn(scripts, name)) unknown.push(`${file}:${line}: npm run ${name}`);
      }
    }
    expect(named).toBeGreaterThan(50);
    expect(unknown).toEqual([]);
  });

  it(`keeps README.md a landing page of at most ${README_MAX_LINES} lines`, () => {
    const lines = read('README.md').replace(/\n$/, '').split('\n').length;
    expect(lines).toBeLessThanOrEqual(README_MAX_LINES);
  });

  it('keeps the test command in the README as CI reads it', () => {
    expect(read('README.md')).toMatch(/the test command, which is:\n\n```bash\nnpm test\n```/);
  });
});

describe('the Markdown reader of this test', () => {
  it('reads links outside code, with their lines, and the anchors GitHub makes', () => {
    const md = [
      '# Title: `npm run x` & more',
      '',
      'See [a](a.md#part-one), ![pic](docs/p.png) and `[not](code.md)`.',
      '```',
      '[nor](this.md)',
      '## Not a heading',
      '```',
      '## Part one',
      '## Part one',
      'A [wrapped',
      'link](b.md "title") and [`code text`](../c).',
    ].join('\n');
    expect(links(md)).toEqual([
      { target: 'a.md#part-one', line: 3 },
      { target: 'docs/p.png', line: 3 },
      { target: 'b.md', line: 10 },
      { target: '../c', line: 11 },
    ]);
    expect([...anchors(md)]).toEqual(['title-npm-run-x--more', 'part-one', 'part-one-1']);
    expect(npmRuns('`npm run\n  bench`, npm run -s build, npm run collector|devices')).toEqual([
      { name: 'bench', line: 1 },
      { name: 'build', line: 2 },
      { name: 'collector', line: 2 },
    ]);
  });
});
