// axe-core (a dev dependency, no CDN) in a playwright page: the accessibility violations of what the page shows now, and the check that none is serious or critical.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Result, RunOptions } from 'axe-core';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

/** The impacts a page may not have: axe's two highest. */
const BLOCKING = new Set(['serious', 'critical']);

/**
 * Runs axe on the page as it is. The script goes in through playwright's evaluate (the DevTools
 * protocol), which the pages' CSP does not apply to: a <script> tag with the source would be
 * refused, and rightly so.
 */
export async function axeViolations(page: Page, options: RunOptions = {}): Promise<Result[]> {
  const loaded = await page.evaluate(() => 'axe' in window);
  if (!loaded) await page.evaluate(AXE_SOURCE);
  return page.evaluate(
    async (opts) => {
      const axe = (window as unknown as { axe: typeof import('axe-core') }).axe;
      const results = await axe.run(document, { ...opts, resultTypes: ['violations'] });
      return results.violations;
    },
    options as Record<string, unknown>,
  );
}

/** One line per failing element: rule, impact, selector, and axe's reason (for contrast: the colours and ratio). */
export function describeViolations(violations: readonly Result[]): string[] {
  return violations.flatMap((v) =>
    v.nodes.map(
      (n) =>
        `${v.id} (${v.impact}) ${n.target.join(' ')}: ${(n.failureSummary ?? v.help).replace(/\s+/g, ' ')}`,
    ),
  );
}

/** The serious and critical violations of the page as shown, one line per element. */
export async function seriousViolations(page: Page): Promise<string[]> {
  const violations = await axeViolations(page);
  return describeViolations(violations.filter((v) => v.impact && BLOCKING.has(v.impact)));
}

/** The page as shown has no serious or critical axe violation; `where` names it in the failure. */
export async function expectNoSeriousViolations(page: Page, where = page.url()): Promise<void> {
  expect(await seriousViolations(page), where).toEqual([]);
}
