// Node-RED 4.1.x and node-red-node-sqlite, installed on demand into .tools/node-red/ for the peers bench (never a dependency of the product).
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot } from '../../core/project-root.js';

/** Node-RED 5 needs Node 22; 4.1 is the line that runs on our Node 20. */
export const NODE_RED_RANGE = '~4.1';

export interface NodeRedInstall {
  /** Node-RED's entry point: `node red.js --settings … --userDir …` is what its `node-red` command runs. */
  redJs: string;
  nodeRed: string;
  sqliteNode: string;
  /** The SQLite library node-sqlite3 was built with. */
  sqlite: string;
}

export const nodeRedPrefix = (): string => join(projectRoot(), '.tools', 'node-red');

const versionOf = (prefix: string, pkg: string): string | undefined => {
  const file = join(prefix, 'node_modules', pkg, 'package.json');
  if (!existsSync(file)) return undefined;
  return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
};

/**
 * Opens an in-memory database with the sqlite3 module the sqlite node loads: its native binding is
 * built by an install script, so an install whose script did not run has the package without a
 * working module. Undefined when it does not load.
 */
function sqliteVersion(prefix: string): string | undefined {
  const probe =
    "new (require('sqlite3').Database)(':memory:').get('SELECT sqlite_version() AS v'," +
    ' (e, r) => { if (e) process.exit(1); process.stdout.write(r.v); })';
  const r = spawnSync(process.execPath, ['-e', probe], { cwd: prefix, encoding: 'utf8' });
  return r.status === 0 && r.stdout ? r.stdout : undefined;
}

function found(prefix: string): NodeRedInstall | undefined {
  const nodeRed = versionOf(prefix, 'node-red');
  const sqliteNode = versionOf(prefix, 'node-red-node-sqlite');
  if (!nodeRed?.startsWith('4.1.') || !sqliteNode) return undefined;
  const sqlite = sqliteVersion(prefix);
  if (!sqlite) return undefined;
  return { redJs: join(prefix, 'node_modules', 'node-red', 'red.js'), nodeRed, sqliteNode, sqlite };
}

/** The installed Node-RED, installing it first when missing or of another version (a few minutes: sqlite3 builds from source). */
export function ensureNodeRed(say: (line: string) => void): NodeRedInstall {
  const prefix = nodeRedPrefix();
  const have = found(prefix);
  if (have) return have;
  say(`bench peers: installing node-red@${NODE_RED_RANGE} and node-red-node-sqlite into ${prefix}`);
  mkdirSync(prefix, { recursive: true });
  // npm 11 runs only the install scripts that the prefix's package.json allows (advisory today,
  // enforced later): sqlite3's builds its native binding, which the sqlite node needs.
  writeFileSync(
    join(prefix, 'package.json'),
    `${JSON.stringify({ name: 'bench-node-red', private: true, allowScripts: { sqlite3: true } }, null, 2)}\n`,
  );
  execFileSync(
    'npm',
    [
      'install',
      '--prefix',
      prefix,
      '--no-audit',
      '--no-fund',
      `node-red@${NODE_RED_RANGE}`,
      'node-red-node-sqlite',
    ],
    { stdio: ['ignore', 'inherit', 'inherit'] },
  );
  const now = found(prefix);
  if (!now)
    throw new Error(`node-red or its sqlite node does not work after installing into ${prefix}`);
  return now;
}
