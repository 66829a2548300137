// SIGNALS_FILE: custom signals (YAML or JSON) read once at start-up and validated, one line per problem, naming the entry.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { CUSTOM_NAME_PATTERN, customSignal, RESERVED_NAMES, type SignalDef } from './catalog.js';

/** At most this many custom signals: each is a column in every store table. */
export const MAX_CUSTOM_SIGNALS = 64;

const finite = z.number().refine(Number.isFinite, 'must be a finite number');

const entrySchema = z
  .object({
    name: z
      .string({ error: 'is required' })
      .regex(CUSTOM_NAME_PATTERN, 'must match ^[a-z][a-z0-9_]{0,31}$')
      .refine((n) => !RESERVED_NAMES.has(n), 'is a built-in or reserved name'),
    type: z.enum(['number', 'boolean'], { error: 'must be number or boolean' }),
    unit: z.string().max(16).optional(),
    min: finite.optional(),
    max: finite.optional(),
    description: z.string().max(200).optional(),
  })
  .strict()
  .refine((e) => e.min === undefined || e.max === undefined || e.min <= e.max, {
    message: 'min must be <= max',
    path: ['min'],
  })
  .refine((e) => e.type === 'number' || (e.min === undefined && e.max === undefined), {
    message: 'a boolean signal has no min or max',
    path: ['min'],
  });

const fileSchema = z
  .object({ signals: z.array(entrySchema).max(MAX_CUSTOM_SIGNALS) })
  .strict()
  .refine((f) => new Set(f.signals.map((s) => s.name)).size === f.signals.length, {
    message: 'names must be unique',
    path: ['signals'],
  });

/** Parses the file's text (YAML is a superset of JSON). Throws SignalsFileError with one line per problem. */
export function parseSignalsFile(text: string, source: string): SignalDef[] {
  let value: unknown;
  try {
    value = parseYaml(text);
  } catch (err) {
    throw new SignalsFileError([`${source}: not YAML or JSON (${(err as Error).message})`]);
  }
  const result = fileSchema.safeParse(value ?? {});
  if (!result.success) {
    throw new SignalsFileError(
      result.error.issues.map((i) => `${source}: ${i.path.join('.') || 'file'} ${i.message}`),
    );
  }
  return result.data.signals.map(customSignal);
}

export function readSignalsFile(path: string): SignalDef[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new SignalsFileError([`SIGNALS_FILE=${path}: ${(err as Error).message}`]);
  }
  return parseSignalsFile(text, `SIGNALS_FILE=${path}`);
}

export class SignalsFileError extends Error {
  constructor(readonly lines: string[]) {
    super(lines.join('\n'));
    this.name = 'SignalsFileError';
  }
}
