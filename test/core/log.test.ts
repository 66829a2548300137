// Logs a person can read: the human line's format, JSON when not a terminal, LOG_FORMAT overriding
// both ways; the real collector under a pseudo-terminal (util-linux `script`) and on a pipe.
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { resolveLogFormat } from '../../core/log.js';
import { prettyLine } from '../../core/log-pretty.js';
import { track } from '../../harness/children.js';
import { freePort } from '../../harness/ports.js';
import { ProgramProcess } from '../../harness/program.js';
import { waitFor } from '../../harness/wait.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

const AT = new Date(2026, 10, 24, 9, 5, 7, 42).getTime(); // local time 09:05:07.042
const line = (o: Record<string, unknown>) =>
  JSON.stringify({ level: 30, time: AT, pid: 7, name: 'collector', ...o });

describe('prettyLine', () => {
  it('time, level, program, message, then the fields as key=value', () => {
    expect(
      prettyLine(
        line({ msg: 'collector started', store: 'sqlite', broker: 'mqtt://127.0.0.1:1883' }),
        {
          colour: false,
        },
      ),
    ).toBe(
      '09:05:07.042 INFO  [collector] collector started  store=sqlite broker=mqtt://127.0.0.1:1883\n',
    );
  });

  it("names the component of `npm start`'s child loggers, and every level", () => {
    const levels: Array<[number, string]> = [
      [10, 'TRACE'],
      [20, 'DEBUG'],
      [30, 'INFO '],
      [40, 'WARN '],
      [50, 'ERROR'],
      [60, 'FATAL'],
    ];
    for (const [level, label] of levels) {
      expect(
        prettyLine(line({ level, name: 'telemetry', component: 'devices', msg: 'm' }), {
          colour: false,
        }),
      ).toBe(`09:05:07.042 ${label} [telemetry/devices] m\n`);
    }
  });

  it('stats stay short: fractions to 3 decimals, counter maps show only what is not 0', () => {
    const out = prettyLine(
      line({
        msg: 'stats',
        received: 120,
        rejected: { invalid_json: 3, too_large: 0 },
        retention: { passes: 1, deleted: 0, longestStepMs: 1.3245800000000827 },
        nothing: { a: 0 },
        connected: true,
        topics: ['vehicles/#'],
      }),
      { colour: false },
    );
    expect(out).toBe(
      '09:05:07.042 INFO  [collector] stats  received=120 rejected={invalid_json:3} retention={passes:1 longestStepMs:1.325} nothing={} connected=true topics=["vehicles/#"]\n',
    );
  });

  it('an error shows its message; at error level its stack follows, indented', () => {
    const err = {
      type: 'Error',
      message: 'disk full',
      stack: 'Error: disk full\n    at write (x.js:1:1)',
    };
    expect(prettyLine(line({ level: 40, msg: 'store write failed', err }), { colour: false })).toBe(
      '09:05:07.042 WARN  [collector] store write failed  err="disk full"\n',
    );
    expect(prettyLine(line({ level: 50, msg: 'failed to start', err }), { colour: false })).toBe(
      '09:05:07.042 ERROR [collector] failed to start  err="disk full"\n    Error: disk full\n        at write (x.js:1:1)\n',
    );
  });

  it('device text stays inert: quoted, control characters escaped, long values capped', () => {
    const out = prettyLine(
      line({
        level: 40,
        msg: 'message rejected',
        topic: 'vehicles/\u001b[2J<script>"x"/speed',
        detail: `c1\u009b31m ${'a'.repeat(5000)}`,
        plain: 'vehicle_01',
      }),
      { colour: false },
    );
    const controls = [...out.slice(0, -1)].filter((ch) => {
      const code = ch.charCodeAt(0);
      return code < 0x20 || (code >= 0x7f && code <= 0x9f);
    });
    expect(controls).toEqual([]);
    expect(out).toContain('topic="vehicles/\\u001b[2J<script>\\"x\\"/speed"');
    expect(out).toContain('detail="c1\\u009b31m aaa');
    expect(out).toContain('…');
    expect(out.length).toBeLessThan(800);
    expect(out).toContain('plain=vehicle_01');
  });

  it('colours level, program and keys only when asked; a line that is not JSON passes through', () => {
    const coloured = prettyLine(line({ level: 50, msg: 'x', a: 1 }), { colour: true });
    expect(coloured).toContain('\u001b[31mERROR\u001b[0m');
    expect(coloured).toContain('\u001b[36m[collector]\u001b[0m');
    expect(prettyLine('not json\n', { colour: true })).toBe('not json\n');
  });
});

describe('LOG_FORMAT', () => {
  it('auto: human lines on a terminal, JSON otherwise; json and pretty force either', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });
});

describe('a real program (npm run collector)', () => {
  const HUMAN = /^\d\d:\d\d:\d\d\.\d{3} INFO {2}\[collector\] collector started {2}store=sqlite /m;
  const JSON_LINE =
    /^\{"level":30,"time":\d+,"pid":\d+,"name":"collector",.*"msg":"collector started"\}$/m;

  async function env(): Promise<Record<string, string>> {
    const dir = tempDir('log-format-');
    return {
      // No broker there: the collector starts anyway and keeps retrying quietly.
      MQTT_BROKER_HOST: '127.0.0.1',
      MQTT_BROKER_PORT: String(await freePort()),
      SQLITE_PATH: join(dir, 'telemetry.db'),
      COLLECTOR_STATE_PATH: join(dir, 'state.db'),
      LOG_LEVEL: 'info',
    };
  }

  /** The collector's output on a pipe (stderr not a terminal), until it logged `collector started`. */
  async function onPipe(extra: Record<string, string>): Promise<string> {
    const p = ProgramProcess.fromNpmScript('collector', [], { ...(await env()), ...extra });
    p.start();
    try {
      return await waitFor(
        () => p.stderr,
        (e) => e.includes('collector started'),
        {
          what: 'collector started',
        },
      );
    } finally {
      await p.kill('SIGTERM');
    }
  }

  /**
   * The same under a pseudo-terminal: util-linux `script` runs it with stderr on a tty; SIGINT once
   * it has started (a fixed delay raced a loaded machine's start: SIGINT before the program's
   * handlers exist ends it by the signal), then it must stop cleanly (exit 0).
   */
  async function onTerminal(extra: Record<string, string>): Promise<string> {
    const e = { ...process.env, ...(await env()), ...extra };
    const cmd =
      'echo "pid $$"; exec node --single-threaded --max-old-space-size=96 --max-semi-space-size=4 dist/collector/main.mjs';
    const child = spawn('script', ['-qec', cmd, '/dev/null'], {
      env: e,
      cwd: fileURLToPath(new URL('../..', import.meta.url)),
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    track(child);
    child.stdin.end();
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    await waitFor(
      () => out,
      (o) => /pid \d+/.test(o) && o.includes('collector started'),
      { timeoutMs: 60_000, what: 'collector started on a terminal' },
    );
    process.kill(Number(/pid (\d+)/.exec(out)?.[1]), 'SIGINT');
    expect(await exited, out).toBe(0);
    return out.replace(/\r\n/g, '\n');
  }

  it('on a pipe: JSON lines by default, human lines with LOG_FORMAT=pretty', async () => {
    expect(await onPipe({})).toMatch(JSON_LINE);
    const pretty = await onPipe({ LOG_FORMAT: 'pretty' });
    expect(pretty).toMatch(HUMAN);
    expect(pretty).not.toContain('\u001b['); // not a terminal: no colour codes
    expect(pretty).not.toContain('{"level"');
  });

  it('on a terminal: human lines by default (and a clean stop), JSON with LOG_FORMAT=json', async () => {
    const human = await onTerminal({ NO_COLOR: '1' });
    expect(human).toMatch(HUMAN);
    expect(human).toMatch(/INFO {2}\[collector\] stopping {2}signal=SIGINT$/m);
    expect(human).not.toContain('{"level"');
    expect(await onTerminal({ LOG_FORMAT: 'json' })).toMatch(JSON_LINE);
    removeTempDirs();
  });
});
