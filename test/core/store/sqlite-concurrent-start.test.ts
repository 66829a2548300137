// Several collectors started at once on one SQLite file (a cluster's shared store): each creates or upgrades the schema once, none fails.
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { createV1Store, SCHEMA_VERSION } from '../../../core/store/sqlite-schema.js';
import { removeTempDirs, tempDir } from '../../helpers/tmp.js';

afterAll(() => removeTempDirs());

const STORE = resolve('core/store/sqlite-store.ts');

/** Starts and stops a writer on `path` in a process of its own; resolves with its exit code and stderr. */
function opener(script: string, path: string): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, path], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (b: Buffer) => {
      stderr += b.toString();
    });
    child.on('exit', (code) => done({ code, stderr }));
  });
}

function script(dir: string): string {
  const path = join(dir, 'open.mts');
  writeFileSync(
    path,
    `import { SqliteStore } from ${JSON.stringify(STORE)};
const store = new SqliteStore({ path: process.argv[2] });
await store.start();
await store.stop();
`,
  );
  return path;
}

describe('SQLite writers starting together on one file', () => {
  it.each([
    ['a new file', false],
    ['a store of the speed-only version (v1)', true],
  ])(
    '%s: four at once all start, the schema is made once',
    async (_, v1) => {
      const dir = tempDir('sqlite-concurrent-');
      const path = join(dir, 'shared.db');
      if (v1) {
        const db = new Database(path);
        createV1Store(db);
        db.close();
      }
      const s = script(dir);
      const results = await Promise.all(Array.from({ length: 4 }, () => opener(s, path)));
      expect(results.map((r) => [r.code, r.stderr.slice(0, 300)])).toEqual(
        Array.from({ length: 4 }, () => [0, '']),
      );
      const db = new Database(path, { readonly: true });
      try {
        expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
        expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        db.close();
      }
    },
    120_000,
  );
});
