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
    maxWorkers: 3,
    allowOnly: false,
    sequence: { sequencer: LongestFirst },
    // A loaded 2-core machine can take seconds to render a page of 1,000 vehicles: polls wait up to 10 s.
    expect: { poll: { timeout: 10_000 } },
  },
});
