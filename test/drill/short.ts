// The short form of the drills that CI runs: seconds per scenario.
import type { DrillOptions } from '../../drill/run.js';

export const SHORT: DrillOptions = {
  rounds: 1,
  devices: 3,
  intervalMs: 20,
  store: 'sqlite',
  ackMode: 'e2e',
  queueMax: 10_000,
  outageMs: 1000,
  warmupMs: 700,
  fuzzCount: 10_000,
  drainTimeoutMs: 60_000,
  keepDir: false,
};
