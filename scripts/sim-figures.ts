// `node --import tsx scripts/sim-figures.ts [--fleets 1000] [--from-hour 0] [--spread-s 86400]`: the demo's figures (README), simulated: when the first overspeed alarm opens in fleets of ten default vehicles, and how many have the engine on later.
import { parseArgs } from 'node:util';
import { BUILT_IN_RULES, type ThresholdRule } from '../alarms/rules.js';
import { evaluateThreshold, type ThresholdState } from '../alarms/rules-eval/threshold.js';
import { loadConfig } from '../core/config.js';
import { createVehicle } from '../devices/create-device.js';
import { StreetGrid } from '../devices/drive/street-grid.js';
import { createRandom } from '../devices/rng.js';

const { values } = parseArgs({
  options: {
    fleets: { type: 'string', default: '1000' },
    'from-hour': { type: 'string', default: '0' },
    'spread-s': { type: 'string', default: '86400' },
  },
});
const fleets = Number(values.fleets);
const fromHour = Number(values['from-hour']);
const spreadS = Number(values['spread-s']);
const OVERSPEED = BUILT_IN_RULES.rules[0] as ThresholdRule;
const config = loadConfig({});
const grid = new StreetGrid();
const CHECKS = [60, 300, 900, 1800];
const LAST = 1800;
const engineOn = new Map(CHECKS.map((s) => [s, 0]));
const first: number[] = [];
for (let f = 0; f < fleets; f++) {
  // Starts spread over the window (UTC), seeds as unrelated as seedless runs.
  const start = Date.UTC(2026, 11, 7, fromHour) + ((f * 7919) % spreadS) * 1000;
  const fleet = Array.from({ length: 10 }, (_, i) => ({
    vehicle: createVehicle(config, createRandom(5_000_000 + f * 1000 + i), grid),
    state: undefined as ThresholdState | undefined,
  }));
  let at = Number.POSITIVE_INFINITY;
  for (let s = 0; s <= LAST; s++) {
    for (const v of fleet) {
      const r = v.vehicle.read(start + s * 1000);
      if (r?.ignition && engineOn.has(s)) engineOn.set(s, (engineOn.get(s) ?? 0) + 1);
      if (typeof r?.speed !== 'number' || at !== Number.POSITIVE_INFINITY) continue;
      const e = evaluateThreshold(OVERSPEED, 110, v.state, {
        ts: start + s * 1000,
        value: r.speed,
      });
      v.state = e.state;
      if (e.signal?.kind === 'open') at = s;
    }
  }
  first.push(at);
}
first.sort((a, b) => a - b);
const q = (p: number) => first[Math.floor(p * (fleets - 1))];
process.stdout.write(
  `first overspeed alarm (s): median ${q(0.5)}, 90 % ${q(0.9)}, 99 % ${q(0.99)}, max ${first.at(-1)}` +
    ` (${fleets} fleets of 10, starts from ${fromHour}:00 UTC over ${spreadS} s)\n`,
);
for (const s of CHECKS) {
  const pct = (((engineOn.get(s) ?? 0) / (fleets * 10)) * 100).toFixed(1);
  process.stdout.write(`engine on ${s} s after the start: ${pct} %\n`);
}
