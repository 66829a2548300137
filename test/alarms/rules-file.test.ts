// ALERT_RULES_FILE: the example equals the built-in rules; bad files give one clear line per bad field, also from the collector process.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { BUILT_IN_RULES } from '../../alarms/rules.js';
import { loadRulesFile, RulesFileError, ruleSetFrom } from '../../alarms/rules-file.js';
import { ProgramProcess } from '../../harness/program.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

afterAll(removeTempDirs);

const EXAMPLE = new URL('../../alarms/rules.example.yaml', import.meta.url);

const problems = (value: unknown): string[] => {
  try {
    ruleSetFrom(value);
  } catch (err) {
    if (err instanceof RulesFileError) return err.lines;
    throw err;
  }
  return [];
};

describe('rules files', () => {
  it('alarms/rules.example.yaml is exactly the built-in set, and reads the same as JSON', () => {
    expect(loadRulesFile(EXAMPLE.pathname)).toEqual(BUILT_IN_RULES);
    const json = join(tempDir(), 'rules.json');
    writeFileSync(json, JSON.stringify(parse(readFileSync(EXAMPLE, 'utf8'))));
    expect(loadRulesFile(json)).toEqual(BUILT_IN_RULES);
  });

  it('fills defaults: severity, metric, for, clear_for = for, notify settings', () => {
    const set = ruleSetFrom({
      rules: [
        { name: 'slow', type: 'threshold', below: 5, for: '2m' },
        { name: 'gone', type: 'offline' },
      ],
      notify: {
        group_wait: '500ms',
        silences: [{ from: '2026-01-01T00:00:00Z', to: '2026-01-02T00:00:00+01:00', rule: 'gone' }],
      },
    });
    expect(set.rules).toEqual([
      {
        name: 'slow',
        type: 'threshold',
        severity: 'warning',
        metric: 'speed',
        direction: 'below',
        level: 5,
        defaultLimit: 110,
        forMs: 120_000,
        clearMargin: 0,
        clearForMs: 120_000,
      },
      { name: 'gone', type: 'offline', severity: 'warning', forMs: 60_000 },
    ]);
    expect(set.notify).toEqual({
      groupWaitMs: 500,
      repeatIntervalMs: 4 * 3_600_000,
      retryInitialMs: 1000,
      retryMaxMs: 300_000,
      silences: [
        {
          from: Date.parse('2026-01-01T00:00:00Z'),
          to: Date.parse('2026-01-01T23:00:00Z'),
          rule: 'gone',
          deviceId: undefined,
          comment: undefined,
        },
      ],
    });
    expect(set.freshWithinMs).toBe(30_000);
  });

  it('lists every bad field, one line each, with its path', () => {
    expect(
      problems({
        fresh_within: 'soon',
        notify: {
          group_wait: 10,
          silences: [
            { from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z', device_id: 'a b' },
          ],
        },
        rules: [
          { name: 'overspeed', type: 'threshold', above: 'speed_limit', for: '5 seconds' },
          { name: 'x', type: 'offline', fro: '1m' },
          { name: 'Bad Name', type: 'no_data', severity: 'loud' },
          { name: 'q', type: 'threshold', metric: 'queue_depth', above: 'speed_limit' },
          { name: 'both', type: 'threshold', above: 1, below: 2, clear_margin: -1 },
          { name: 'x', type: 'fleet_silent' },
          { name: 'what', type: 'earthquake' },
          'overspeed',
        ],
      }),
    ).toEqual([
      'fresh_within: must be a duration like 5s, 500ms, 10m or 4h',
      'notify.group_wait: must be a duration like 5s, 500ms, 10m or 4h',
      'notify.silences[0].device_id: must be a device id',
      'notify.silences[0].to: from must be before to',
      'rules[0].for: must be a duration like 5s, 500ms, 10m or 4h',
      'rules[1]: unknown field "fro"',
      'rules[2].name: must match ^[a-z][a-z0-9_]{0,31}$ (it appears in topics and labels)',
      'rules[2].severity: must be one of critical, major, minor, warning, info',
      'rules[3].above: speed_limit applies to metric speed only',
      'rules[4].clear_margin: must be a number >= 0',
      'rules[4]: give exactly one of above and below',
      'rules[6].type: must be one of threshold, offline, no_data, data_loss, fleet_silent, geofence_enter, geofence_exit',
      'rules[7]: must be a rule (name, type, ...)',
    ]);
    expect(problems({ rules: [{ name: 'both', type: 'threshold', above: 1, below: 2 }] })).toEqual([
      'rules[0]: give exactly one of above and below',
    ]);
    expect(
      problems({
        rules: [
          { name: 'a', type: 'offline' },
          { name: 'a', type: 'no_data' },
        ],
      }),
    ).toEqual(['rules[1].name: a is used twice']);
    expect(problems({ rule: [] })).toEqual([
      'rules: is required: a list of rules',
      'unknown field "rule"',
    ]);
    expect(problems({ rules: [] })).toEqual([]); // no alarms at all is a choice
  });

  it('names the variable and the file on every line; unreadable and unparsable files', () => {
    const dir = tempDir();
    const bad = join(dir, 'rules.yaml');
    writeFileSync(bad, 'rules:\n  - name: a\n    type: offline\n    for: 5x\n');
    expect(() => loadRulesFile(bad)).toThrow(RulesFileError);
    try {
      loadRulesFile(bad);
    } catch (err) {
      expect((err as RulesFileError).lines).toEqual([
        `ALERT_RULES_FILE="${bad}": rules[0].for: must be a duration like 5s, 500ms, 10m or 4h`,
      ]);
    }
    const broken = join(dir, 'broken.yaml');
    writeFileSync(broken, 'rules: [\n  {name: a\n');
    expect(() => loadRulesFile(broken)).toThrow(
      /^invalid rules file:\nALERT_RULES_FILE=".*broken.yaml": not valid YAML or JSON: /,
    );
    const duplicate = join(dir, 'dup.yaml');
    writeFileSync(duplicate, 'rules: []\nrules: []\n');
    expect(() => loadRulesFile(duplicate)).toThrow(
      /not valid YAML or JSON: Map keys must be unique/,
    );
    expect(() => loadRulesFile(join(dir, 'missing.yaml'))).toThrow(/cannot read \(ENOENT\)/);
  });

  it('npm run collector refuses a bad file: exit code 2, one line per bad field', async () => {
    const dir = tempDir();
    const file = join(dir, 'rules.yaml');
    writeFileSync(
      file,
      [
        'rules:',
        '  - {name: overspeed, type: threshold, above: speed_limit, for: 5s}',
        '  - {name: offline, type: offline, for: 60s}',
        '  - {name: no_data, type: no_data, for: five}',
        '  - {name: loss, type: data_loss, clear_after: 10m, colour: red}',
      ].join('\n'),
    );
    const collector = ProgramProcess.fromNpmScript('collector', [], {
      ALERT_RULES_FILE: file,
      COLLECTOR_STATE_PATH: join(dir, 'state.db'),
      SQLITE_PATH: join(dir, 'telemetry.db'),
      MQTT_BROKER_PORT: '1',
    });
    collector.start();
    expect(await collector.exited()).toBe(2);
    expect(collector.stderr.trim().split('\n')).toEqual([
      `collector: config error: ALERT_RULES_FILE="${file}": rules[2].for: must be a duration like 5s, 500ms, 10m or 4h`,
      `collector: config error: ALERT_RULES_FILE="${file}": rules[3]: unknown field "colour"`,
    ]);
  });
});
