// `npm run mqtt-users -- --dir DIR --count N [--prefix vehicle_] [--instances N] [--force] [--hasher auto|mosquitto_passwd|node]`
import { parseArgs } from 'node:util';
import { fleetIds } from '../devices/create-device.js';
import { type GenerateResult, generateUsers } from './mqtt-users/generate.js';
import { findMosquittoPasswd, type Hasher } from './mqtt-users/password-file.js';

const USAGE = `usage: npm run mqtt-users -- --dir DIR --count N [--prefix vehicle_] [--force]
                            [--instances N] [--hasher auto|mosquitto_passwd|node]
Writes DIR/password_file and DIR/acl_file (for Mosquitto or the embedded broker),
DIR/credentials.json (every user's password), DIR/credentials.env (all on one machine),
DIR/collector.env, DIR/dashboard.env, DIR/telegraf.env, DIR/devices.json (the devices'
passwords only) and DIR/devices.env. Users: collector, dashboard, telegraf and one per device
(vehicle_01 ... with --prefix vehicle_). --instances N (default 1): N collectors and N
dashboards, so also collector_2 ... and dashboard_2 ... with their DIR/<user>.env (one MQTT
user per instance: docs/scaling.md). Every file is mode 0600.`;

function fail(message: string): never {
  process.stderr.write(`mqtt-users: ${message}\n${USAGE}\n`);
  process.exit(2);
}

interface Args {
  dir: string;
  count: number;
  prefix: string;
  force: boolean;
  hasher: Hasher;
  instances: number;
}

function parse(): Args {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      options: {
        dir: { type: 'string' },
        count: { type: 'string' },
        prefix: { type: 'string', default: 'vehicle_' },
        instances: { type: 'string', default: '1' },
        force: { type: 'boolean', default: false },
        hasher: { type: 'string', default: 'auto' },
        help: { type: 'boolean', default: false },
      },
    }));
  } catch (err) {
    fail((err as Error).message);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    process.exit(0);
  }
  const dir = values.dir;
  if (typeof dir !== 'string' || dir === '') fail('--dir is required');
  const count = Number(values.count);
  if (!Number.isInteger(count) || count < 1 || count > 100_000) {
    fail('--count must be an integer from 1 to 100000');
  }
  const prefix = String(values.prefix);
  // The config's DEVICE_PREFIX rule, so every id matches the contract's device_id pattern.
  if (!/^[A-Za-z0-9_-]{1,58}$/.test(prefix)) fail('--prefix must match ^[A-Za-z0-9_-]{1,58}$');
  const instances = Number(values.instances);
  if (!Number.isInteger(instances) || instances < 1 || instances > 32) {
    fail('--instances must be an integer from 1 to 32');
  }
  const wanted = String(values.hasher);
  let hasher: Hasher;
  if (wanted === 'auto') hasher = findMosquittoPasswd() ? 'mosquitto_passwd' : 'node';
  else if (wanted === 'mosquitto_passwd' || wanted === 'node') hasher = wanted;
  else fail('--hasher must be auto, mosquitto_passwd or node');
  return { dir, count, prefix, force: values.force === true, hasher, instances };
}

function report(r: GenerateResult): void {
  const lines = [
    `mqtt-users: ${r.users} users (${r.roles.join(', ')}, ${r.users - r.roles.length} devices) in ${r.dir}`,
    `  password hashes: ${r.hasher === 'node' ? 'our own Mosquitto-compatible $7$ (mosquitto_passwd not found)' : 'mosquitto_passwd'}`,
    ...r.files.map((f) => `  ${f}`),
    'Mosquitto: password_file and acl_file (see docker/README.md).',
    `npm start: cp ${r.dir}/credentials.env .env   (or append it)`,
    'Passwords are in credentials.json and the .env files only; nothing was printed.',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

const args = parse();
try {
  report(
    await generateUsers({
      dir: args.dir,
      deviceIds: fleetIds(args.prefix, args.count),
      hasher: args.hasher,
      force: args.force,
      instances: args.instances,
    }),
  );
} catch (err) {
  process.stderr.write(`mqtt-users: ${(err as Error).message}\n`);
  process.exitCode = 1;
}
