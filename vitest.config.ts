// Vitest: real brokers and child processes make tests I/O-bound, so give them room and run files in parallel.
import { defineConfig } from 'vitest/config';
import { LongestFirst } from './test/longest-first.js';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // One module graph per worker, not per file: loading core/, the dashboard and playwright-core
    // again for each of ~170 files cost more CPU than the tests themselves on a 2-core machine
    // (vitest's "import" time 194-300 s of a run; 42 s without isolation). Safe here because no
    // test mocks modules or changes process.env, and every file cleans up what it starts.
    isolate: false,
    // Most files wait on real servers and child processes more than they compute: 4 run at once.
    maxWorkers: 4,
    allowOnly: false,
    sequence: { sequencer: LongestFirst },
    // A loaded 2-core machine can take seconds to render a page of 1,000 vehicles: polls wait up to 10 s.
    expect: { poll: { timeout: 10_000 } },
  },
});
