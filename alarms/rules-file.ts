// ALERT_RULES_FILE: YAML or JSON rules read once at start-up and validated with zod, one clear line per bad field.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import { ALARM_SEVERITIES, DEVICE_ID_PATTERN, RULE_NAME_PATTERN } from '../core/contract.js';
import {
  DEFAULT_FRESH_WITHIN_MS,
  DEFAULT_NOTIFY,
  DEFAULT_SPEED_LIMIT_KMH,
  RULE_TYPES,
  type Rule,
  type RuleSet,
  type Silence,
  THRESHOLD_METRICS,
} from './rules.js';

/** A rules file that cannot be used: one line per problem, each naming the field. */
export class RulesFileError extends Error {
  constructor(readonly lines: string[]) {
    super(`invalid rules file:\n${lines.join('\n')}`);
    this.name = 'RulesFileError';
  }
}

const UNIT_MS = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;
const DURATION = /^(\d+)(ms|s|m|h|d)$/;

/** `5s`, `500ms`, `10m`, `4h`, `1d`, or 0. */
export function parseDuration(value: unknown): number | undefined {
  if (value === 0 || value === '0') return 0;
  if (typeof value !== 'string') return undefined;
  const match = DURATION.exec(value.trim());
  if (!match) return undefined;
  return Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
}

type Ctx = z.RefinementCtx;
const fail = (ctx: Ctx, message: string): never => {
  ctx.addIssue({ code: 'custom', message });
  return z.NEVER;
};

function duration(fallback?: number) {
  return z
    .unknown()
    .optional()
    .transform((v, ctx): number => {
      if (v === undefined && fallback !== undefined) return fallback;
      if (v === undefined) return fail(ctx, 'is required: a duration like 5s');
      return parseDuration(v) ?? fail(ctx, 'must be a duration like 5s, 500ms, 10m or 4h');
    });
}

const number = (what: string) =>
  z.number({ error: `must be ${what}` }).refine(Number.isFinite, `must be ${what}`);
const severity = z.enum(ALARM_SEVERITIES, {
  error: `must be one of ${ALARM_SEVERITIES.join(', ')}`,
});
const base = {
  name: z.string({ error: 'is required' }).regex(RULE_NAME_PATTERN, {
    error: 'must match ^[a-z][a-z0-9_]{0,31}$ (it appears in topics and labels)',
  }),
  type: z.enum(RULE_TYPES),
  severity: severity.default('warning'),
};

const thresholdSchema = z
  .strictObject({
    ...base,
    metric: z
      .enum(THRESHOLD_METRICS, { error: `must be one of ${THRESHOLD_METRICS.join(', ')}` })
      .default('speed'),
    above: z.union([number('a number or speed_limit'), z.literal('speed_limit')]).optional(),
    below: number('a number').optional(),
    default_limit: number('a number of km/h').positive().default(DEFAULT_SPEED_LIMIT_KMH),
    for: duration(0),
    clear_margin: number('a number >= 0').min(0, 'must be a number >= 0').default(0),
    clear_for: duration(),
  })
  .partial({ clear_for: true })
  .superRefine((r, ctx) => {
    if ((r.above === undefined) === (r.below === undefined)) {
      ctx.addIssue({ code: 'custom', message: 'give exactly one of above and below', path: [] });
    }
    if (r.above === 'speed_limit' && r.metric !== 'speed') {
      ctx.addIssue({
        code: 'custom',
        message: 'speed_limit applies to metric speed only',
        path: ['above'],
      });
    }
  });

const geofenceName = z
  .string({ error: 'is required: the name of a geofence (GET /api/geofences)' })
  .min(1, 'is required: the name of a geofence (GET /api/geofences)')
  .max(64, 'must be at most 64 characters');

const schemas = {
  threshold: thresholdSchema,
  offline: z.strictObject({ ...base, for: duration(60_000) }),
  no_data: z.strictObject({ ...base, for: duration(60_000) }),
  data_loss: z.strictObject({ ...base, clear_after: duration(10 * 60_000) }),
  fleet_silent: z.strictObject({ ...base, for: duration(5 * 60_000) }),
  geofence_enter: z.strictObject({ ...base, geofence: geofenceName }),
  geofence_exit: z.strictObject({ ...base, geofence: geofenceName }),
};

const isoTime = z.iso.datetime({
  offset: true,
  error: 'must be an ISO 8601 date-time like 2026-12-24T18:00:00Z',
});
const silenceSchema = z
  .strictObject({
    from: isoTime,
    to: isoTime,
    rule: z.string().regex(RULE_NAME_PATTERN, 'must be a rule name').optional(),
    device_id: z.string().regex(DEVICE_ID_PATTERN, 'must be a device id').optional(),
    comment: z.string().max(500).optional(),
  })
  .refine((s) => Date.parse(s.from) < Date.parse(s.to), {
    message: 'from must be before to',
    path: ['to'],
  });

const fileSchema = z.strictObject({
  fresh_within: duration(DEFAULT_FRESH_WITHIN_MS),
  notify: z
    .strictObject({
      group_wait: duration(DEFAULT_NOTIFY.groupWaitMs),
      repeat_interval: duration(DEFAULT_NOTIFY.repeatIntervalMs),
      retry_initial: duration(DEFAULT_NOTIFY.retryInitialMs),
      retry_max: duration(DEFAULT_NOTIFY.retryMaxMs),
      silences: z.array(silenceSchema, { error: 'must be a list' }).default([]),
    })
    // prefault: the defaults of each field apply when `notify` is left out.
    .prefault({}),
  rules: z.array(z.unknown(), { error: 'is required: a list of rules' }),
});

/** `rules[2].for` from zod's path. */
function where(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i === 0 ? '' : '.'}${String(p)}`))
    .join('');
}

function lines(issues: readonly z.core.$ZodIssue[], prefix: readonly PropertyKey[] = []): string[] {
  return issues.map((issue) => {
    const path = where([...prefix, ...issue.path]);
    const message =
      issue.code === 'unrecognized_keys'
        ? `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => JSON.stringify(k)).join(', ')}`
        : issue.message;
    return path === '' ? message : `${path}: ${message}`;
  });
}

function toRule(type: Rule['type'], r: Record<string, unknown>): Rule {
  const common = { name: r.name as string, severity: r.severity as Rule['severity'] };
  switch (type) {
    case 'threshold': {
      const t = r as z.infer<typeof thresholdSchema>;
      const forMs = t.for;
      return {
        ...common,
        type,
        metric: t.metric,
        direction: t.above === undefined ? 'below' : 'above',
        level: (t.above ?? t.below) as number | 'speed_limit',
        defaultLimit: t.default_limit,
        forMs,
        clearMargin: t.clear_margin,
        clearForMs: t.clear_for ?? forMs,
      };
    }
    case 'data_loss':
      return { ...common, type, clearAfterMs: r.clear_after as number };
    case 'geofence_enter':
    case 'geofence_exit':
      return { ...common, type, geofence: r.geofence as string };
    default:
      return { ...common, type, forMs: r.for as number };
  }
}

/** Validates parsed YAML/JSON; throws RulesFileError listing every problem. */
export function ruleSetFrom(value: unknown): RuleSet {
  const problems: string[] = [];
  const file = fileSchema.safeParse(value ?? {});
  if (!file.success) problems.push(...lines(file.error.issues));
  // Each rule is checked even when another part of the file is bad: every problem at once.
  const raws = (value as { rules?: unknown } | null)?.rules;
  const rules: Rule[] = [];
  const names = new Set<string>();
  (Array.isArray(raws) ? raws : []).forEach((raw: unknown, i) => {
    const type = z.object({ type: z.enum(RULE_TYPES) }).safeParse(raw);
    if (!type.success) {
      const record = typeof raw === 'object' && raw !== null && !Array.isArray(raw);
      problems.push(
        record
          ? `rules[${i}].type: must be one of ${RULE_TYPES.join(', ')}`
          : `rules[${i}]: must be a rule (name, type, ...)`,
      );
      return;
    }
    const parsed = schemas[type.data.type].safeParse(raw);
    if (!parsed.success) {
      problems.push(...lines(parsed.error.issues, ['rules', i]));
      return;
    }
    const rule = toRule(type.data.type, parsed.data as Record<string, unknown>);
    if (names.has(rule.name)) problems.push(`rules[${i}].name: ${rule.name} is used twice`);
    names.add(rule.name);
    rules.push(rule);
  });
  if (problems.length > 0 || !file.success) throw new RulesFileError(problems);
  const n = file.data.notify;
  const silences: Silence[] = n.silences.map((s) => ({
    from: Date.parse(s.from),
    to: Date.parse(s.to),
    rule: s.rule,
    deviceId: s.device_id,
    comment: s.comment,
  }));
  return {
    rules,
    freshWithinMs: file.data.fresh_within,
    notify: {
      groupWaitMs: n.group_wait,
      repeatIntervalMs: n.repeat_interval,
      retryInitialMs: Math.max(1, n.retry_initial),
      retryMaxMs: Math.max(1, n.retry_max, n.retry_initial),
      silences,
    },
  };
}

/** Reads and validates the file; every line of the error names the variable and the file. */
export function loadRulesFile(path: string): RuleSet {
  const prefix = `ALERT_RULES_FILE=${JSON.stringify(path)}`;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new RulesFileError([`${prefix}: cannot read (${(err as NodeJS.ErrnoException).code})`]);
  }
  let value: unknown;
  try {
    // YAML 1.2 is a superset of JSON: one parser reads both.
    value = parseYaml(text, { prettyErrors: true, uniqueKeys: true });
  } catch (err) {
    const first = String((err as Error).message).split('\n')[0];
    throw new RulesFileError([`${prefix}: not valid YAML or JSON: ${first}`]);
  }
  try {
    return ruleSetFrom(value);
  } catch (err) {
    if (err instanceof RulesFileError) {
      throw new RulesFileError(err.lines.map((l) => `${prefix}: ${l}`));
    }
    throw err;
  }
}
