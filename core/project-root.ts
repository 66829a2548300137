// The project's folder (the one holding package.json), from a source file run by tsx or a bundle in dist/.
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/**
 * Files the programs read at run time (the page's sources and assets, package.json) are found from
 * here, not from the module's own place: the same code runs as `dashboard/*.ts` under tsx and as
 * `dist/dashboard/main.mjs` bundled by `npm run build`.
 */
export function projectRoot(): string {
  if (root !== undefined) return root;
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = up;
  }
  root = dir;
  return dir;
}
