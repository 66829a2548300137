// Command line of `npm run import`: the file, its format (flag or extension) and the tuning flags.
import { extname } from 'node:path';
import { parseArgs } from 'node:util';
import type { Format } from './parser.js';

export const USAGE = `usage: npm run import -- FILE [--format csv|ndjson] [--json]
                         [--measurement vehicle_speed] [--field speed]
                         [--batch 25000] [--show-bad 20]
Loads historic readings into the configured store (STORE, SQLITE_PATH, INFLUXDB_*), deduplicated
by (device_id, seq), rollups included. FILE is .csv, .ndjson or .jsonl (or give --format); - reads
standard input (with --format).
  csv      a header naming device_id, seq, timestamp, speed (any order), or an InfluxDB
           annotated-CSV export (_time, _value, _field, _measurement, device_id; only rows of
           --measurement / --field are read; rows without seq are numbered, see
           docs/import-and-backup.md)
  ndjson   one speed payload per line: {"device_id","seq","timestamp","speed"}
  --json       print the final summary as one JSON object on stdout
  --batch N    readings per store write (default 25000)
  --show-bad N bad lines printed one by one (default 20; all are counted)
Bad lines are reported and skipped; the exit code is 1 only when the file cannot be read or the
store is unavailable, 130 when interrupted (run it again: what is stored is skipped).`;

export interface ImportArgs {
  file: string;
  format: Format;
  measurement: string;
  field: string;
  batchSize: number;
  showBad: number;
  json: boolean;
}

export class UsageError extends Error {
  override name = 'UsageError';
}

const EXTENSIONS: Record<string, Format> = {
  '.csv': 'csv',
  '.ndjson': 'ndjson',
  '.jsonl': 'ndjson',
};

function intFlag(
  value: string | undefined,
  name: string,
  min: number,
  max: number,
  fallback: number,
): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** Throws UsageError with a message for the user; `help` answers undefined. */
export function parseImportArgs(argv: string[]): ImportArgs | undefined {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) return undefined;
  if (positionals.length !== 1)
    throw new UsageError('give exactly one FILE (or - for standard input)');
  const file = positionals[0] as string;
  const flag = values.format;
  let format: Format | undefined;
  if (flag !== undefined) {
    if (flag !== 'csv' && flag !== 'ndjson') throw new UsageError('--format must be csv or ndjson');
    format = flag;
  } else {
    format = EXTENSIONS[extname(file).toLowerCase()];
    if (!format) {
      throw new UsageError(
        `cannot tell the format of ${file === '-' ? 'standard input' : file} from its name: give --format csv or --format ndjson`,
      );
    }
  }
  return {
    file,
    format,
    measurement: values.measurement,
    field: values.field,
    batchSize: intFlag(values.batch, 'batch', 1, 200_000, 25_000),
    showBad: intFlag(values['show-bad'], 'show-bad', 0, 1_000_000, 20),
    json: values.json,
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      format: { type: 'string' },
      measurement: { type: 'string', default: 'vehicle_speed' },
      field: { type: 'string', default: 'speed' },
      batch: { type: 'string' },
      'show-bad': { type: 'string' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
}
