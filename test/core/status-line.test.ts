// Progress of long jobs (drill, bench): redrawn in place on a terminal, plain lines otherwise, nothing with --json.
import { describe, expect, it } from 'vitest';
import { StatusLine } from '../../core/status-line.js';

function output(isTTY: boolean) {
  const written: string[] = [];
  return { written, out: { isTTY, columns: 60, write: (t: string) => written.push(t) } };
}

describe('StatusLine', () => {
  it('on a terminal: one line redrawn with the elapsed time, results printed above it, erased at the end', () => {
    let now = 0;
    const { written, out } = output(true);
    const status = new StatusLine(out, { plain: true, clock: () => now });
    status.set('drill broker-kill: round 1/3: fault');
    now = 65_000;
    expect(status.line()).toBe('drill broker-kill: round 1/3: fault  [1:05]');
    status.say('drill broker-kill: ok');
    status.stop();
    status.stop();
    expect(written).toEqual([
      '\rdrill broker-kill: round 1/3: fault  [0:00]\x1b[K',
      '\r\x1b[K',
      'drill broker-kill: ok\n',
      '\rdrill broker-kill: round 1/3: fault  [1:05]\x1b[K',
      '\r\x1b[K',
    ]);
    // Never wider than the terminal.
    status.set('x'.repeat(500));
    status.stop();
    expect(written.at(-2)?.length).toBeLessThanOrEqual('\r'.length + 59 + '\x1b[K'.length);
  });

  it('elsewhere: each status and result once, as a plain line; nothing at all with --json', () => {
    const plain = output(false);
    const status = new StatusLine(plain.out, { plain: true });
    status.set('bench ingest: run 1/3');
    status.set('bench ingest: run 2/3');
    status.say('done');
    status.stop();
    expect(plain.written).toEqual(['bench ingest: run 1/3\n', 'bench ingest: run 2/3\n', 'done\n']);
    const json = output(false);
    const quiet = new StatusLine(json.out, { plain: false });
    quiet.set('bench ingest: run 1/3');
    quiet.say('done');
    quiet.stop();
    expect(json.written).toEqual([]);
  });
});
