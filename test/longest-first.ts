// Test-file order: longest first (LPT), so that three workers finish together instead of one long
// file starting last. Durations come from test/durations.json (seconds per file, measured on a fresh
// clone here; refresh with `npm run test:durations -- report.json` after `vitest run --reporter=json
// --outputFile=report.json`). A file not listed counts as DEFAULT_S.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const DEFAULT_S = 5;

function durations(root: string): Record<string, number> {
  try {
    return JSON.parse(readFileSync(join(root, 'test/durations.json'), 'utf8')) as Record<
      string,
      number
    >;
  } catch {
    return {};
  }
}

export class LongestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const root = this.ctx.config.root;
    const known = durations(root);
    const seconds = (f: TestSpecification) =>
      known[relative(root, f.moduleId).split('\\').join('/')] ?? DEFAULT_S;
    return [...files].sort((a, b) => seconds(b) - seconds(a));
  }
}
