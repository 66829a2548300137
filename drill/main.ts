// `npm run drill -- <scenario|all> [--rounds K] [--devices N] [--interval MS] [--store sqlite|influxdb] [--json]`
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { StatusLine } from '../core/status-line.js';
import { json, table } from './report.js';
import { type DrillOptions, runScenario, type ScenarioResult } from './run.js';
import { DESCRIPTIONS, SCENARIOS, type ScenarioName } from './scenarios.js';

const USAGE = `usage: npm run drill -- <scenario|all> [options]
scenarios: ${SCENARIOS.join(', ')}, all
  --rounds K         faults per scenario (3)
  --devices N        simulated vehicles (10)
  --interval MS      publish interval per vehicle (20)
  --store S          sqlite | influxdb (sqlite; influxdb starts influxd from .tools/)
  --outage MS        how long each fault lasts (3000)
  --ack-mode M       e2e | broker (e2e; broker shows what hop-by-hop acks alone lose)
  --queue-max N      device queue capacity (10000)
  --fuzz-count N     hostile messages per fuzz round (10000)
  --warmup MS        normal traffic before each fault and after the last (2000)
  --collectors N     collector-failover: collectors at start (3)
  --partitions N     collector-failover: COLLECTOR_PARTITIONS (16)
  --lease-ttl MS     collector-failover: COLLECTOR_LEASE_TTL_MS (5000)
  --json             one JSON document instead of the table
Exit code 1 when any reading was lost or stored twice (or a fuzz check failed).`;

const flags = z.object({
  rounds: z.coerce.number().int().min(1).max(100).default(3),
  devices: z.coerce.number().int().min(1).max(1000).default(10),
  interval: z.coerce.number().int().min(10).max(60_000).default(20),
  store: z.enum(['sqlite', 'influxdb']).default('sqlite'),
  outage: z.coerce.number().int().min(100).max(600_000).default(3000),
  'ack-mode': z.enum(['e2e', 'broker']).default('e2e'),
  'queue-max': z.coerce.number().int().min(1).default(10_000),
  'fuzz-count': z.coerce.number().int().min(1).default(10_000),
  warmup: z.coerce.number().int().min(0).default(2000),
  collectors: z.coerce.number().int().min(2).max(8).default(3),
  partitions: z.coerce.number().int().min(1).max(1024).default(16),
  'lease-ttl': z.coerce.number().int().min(1000).max(600_000).default(5000),
  json: z.boolean().default(false),
  keep: z.boolean().default(false),
});

const str = { type: 'string' } as const;
const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: str,
    devices: str,
    interval: str,
    store: str,
    outage: str,
    'ack-mode': str,
    'queue-max': str,
    'fuzz-count': str,
    warmup: str,
    collectors: str,
    partitions: str,
    'lease-ttl': str,
    json: { type: 'boolean' },
    keep: { type: 'boolean' },
    help: { type: 'boolean' },
  },
});

const which = positionals[0];
const parsed = flags.safeParse(values);
if (
  values.help ||
  !which ||
  !parsed.success ||
  !(which === 'all' || SCENARIOS.includes(which as ScenarioName))
) {
  if (parsed.error)
    for (const i of parsed.error.issues)
      process.stderr.write(`drill: --${i.path.join('.')}: ${i.message}\n`);
  process.stderr.write(`${USAGE}\n`);
  process.exit(2);
}
const f = parsed.data;
const options: DrillOptions = {
  rounds: f.rounds,
  devices: f.devices,
  intervalMs: f.interval,
  store: f.store,
  ackMode: f['ack-mode'],
  queueMax: f['queue-max'],
  outageMs: f.outage,
  warmupMs: f.warmup,
  fuzzCount: f['fuzz-count'],
  drainTimeoutMs: 120_000,
  keepDir: f.keep,
  failover: { collectors: f.collectors, partitions: f.partitions, leaseTtlMs: f['lease-ttl'] },
};

const names: ScenarioName[] = which === 'all' ? [...SCENARIOS] : [which as ScenarioName];
const results: ScenarioResult[] = [];
// Progress on stderr: a line redrawn in place on a terminal; plain lines otherwise (none with --json).
const status = new StatusLine(process.stderr, { plain: !f.json });
for (const [i, name] of names.entries()) {
  const nth = names.length > 1 ? ` (${i + 1}/${names.length})` : '';
  status.say(`drill ${name}${nth}: ${DESCRIPTIONS[name]}`);
  const result = await runScenario(name, {
    ...options,
    onPhase: (phase) => status.set(`drill ${name}: ${phase}`),
  });
  results.push(result);
  status.stop();
  status.say(
    `drill ${name}: ${result.problems.length === 0 ? 'ok' : 'FAIL'}, ${result.stored} stored, ${result.lost} lost, ${result.duplicates} duplicates`,
  );
}
process.stdout.write(`${f.json ? json(results) : table(results)}\n`);
process.exitCode = results.some((r) => r.problems.length > 0) ? 1 : 0;
