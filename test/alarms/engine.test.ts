// The alarm engine on a real state file and a hand-driven clock: every built-in rule opens and clears, one alarm per (device, rule), restarts, acks, notices.
import { afterEach, describe, expect, it } from 'vitest';
import { BUILT_IN_RULES, type RuleSet } from '../../alarms/rules.js';
import { OutboxRows } from '../../alarms/store/outbox-rows.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { EngineFixture, iso, T0 } from './engine-fixture.js';

const open: EngineFixture[] = [];
const fixture = (
  rules: RuleSet = BUILT_IN_RULES,
  channels?: readonly string[],
  dir = tempDir(),
) => {
  const f = new EngineFixture(dir, rules, channels);
  open.push(f);
  return f;
};

afterEach(() => {
  for (const f of open.splice(0)) if (f.db.open) f.close();
  removeTempDirs();
});

const repeat = (value: number, n: number) => Array.from({ length: n }, () => value);
const status = (device_id: string, s: 'online' | 'offline', at: number) => ({
  device_id,
  status: s,
  timestamp: iso(at),
});

describe('built-in rules, each opens and clears', () => {
  it('overspeed: open after 5 s above 110, peak updates the same alarm, clear after 5 s at or below 100', () => {
    const f = fixture(BUILT_IN_RULES, ['webhook', 'email']);
    f.drive('v1', repeat(115, 6));
    f.drive('v1', [118, 104, 105]);
    f.drive('v1', repeat(95, 7), 9);
    expect(f.kinds()).toEqual([
      'opened overspeed v1',
      'updated overspeed v1',
      'cleared overspeed v1',
    ]);
    const [alarm] = f.alarms();
    expect(f.alarms()).toEqual([
      { id: alarm?.id, scope: 'v1', rule: 'overspeed', state: 'cleared' },
    ]);
    expect(f.changes.at(-1)?.alarm).toMatchObject({ value: 118, version: 3 });
    expect(f.notices()).toEqual([
      { alarm_id: alarm?.id, channel: 'webhook', kind: 'firing', repeat_no: 0, state: 'pending' },
      { alarm_id: alarm?.id, channel: 'email', kind: 'firing', repeat_no: 0, state: 'pending' },
      { alarm_id: alarm?.id, channel: 'webhook', kind: 'resolved', repeat_no: 0, state: 'pending' },
      { alarm_id: alarm?.id, channel: 'email', kind: 'resolved', repeat_no: 0, state: 'pending' },
    ]);
  });

  it('offline: the status topic says offline for 60 s; clears when it says online', () => {
    const f = fixture();
    f.engine.onStatus(status('v1', 'online', T0));
    f.engine.onStatus(status('v1', 'offline', T0));
    f.advance(59_000);
    expect(f.kinds()).toEqual([]);
    f.advance(1500);
    f.engine.onStatus(status('v1', 'offline', T0)); // the retained will, heard again
    f.engine.onStatus(status('v1', 'online', f.now));
    expect(f.kinds()).toEqual(['opened offline v1', 'cleared offline v1']);
    expect(f.changes[0]?.alarm.value).toBe(60);
  });

  it('no_data: online but no reading for 60 s; clears on a reading, or when the device goes offline', () => {
    const f = fixture();
    f.engine.onStatus(status('v1', 'online', T0));
    f.engine.onReadings([f.reading('v1', 0, 50)]);
    f.advance(59_000);
    expect(f.kinds()).toEqual([]);
    f.advance(1500);
    f.engine.onReadings([f.reading('v1', 1, 50)]);
    f.advance(61_000);
    f.engine.onStatus(status('v1', 'offline', f.now));
    expect(f.kinds()).toEqual([
      'opened no_data v1',
      'cleared no_data v1',
      'opened no_data v1',
      'cleared no_data v1',
    ]);
    expect(f.alarms().map((a) => a.state)).toEqual(['cleared', 'cleared']);
  });

  it('data_loss: dropped seqs open it, repeats of the same notice change nothing, new drops add up; clears after 10 quiet minutes', () => {
    const f = fixture();
    const dropped = (from: number, to: number) => ({
      device_id: 'v1',
      from,
      to,
      timestamp: iso(f.now),
    });
    f.engine.onDropped([dropped(0, 9)]);
    f.engine.onDropped([dropped(0, 9)]);
    f.advance(2000);
    f.engine.onDropped([dropped(5, 19)]);
    f.advance(2000);
    f.advance(9 * 60_000);
    expect(f.kinds()).toEqual(['opened data_loss v1', 'updated data_loss v1']);
    f.advance(60_000);
    expect(f.kinds()).toEqual([
      'opened data_loss v1',
      'updated data_loss v1',
      'cleared data_loss v1',
    ]);
    expect(f.changes.map((c) => c.alarm.value)).toEqual([10, 20, 20]);
  });

  it('fleet_silent: nothing before the first reading ever; 5 min without any reading opens one fleet-wide alarm', () => {
    const f = fixture();
    f.advance(10 * 60_000, 5000);
    expect(f.kinds()).toEqual([]);
    f.engine.onReadings([f.reading('v1', 0, 10)]);
    f.advance(5 * 60_000 + 1000, 5000);
    f.engine.onReadings([f.reading('v2', 0, 10)]);
    expect(f.kinds()).toEqual(['opened fleet_silent ~fleet', 'cleared fleet_silent ~fleet']);
  });
});

describe('inputs', () => {
  it('takes each vehicle’s speed limit from the registry snapshot, else the default', () => {
    const f = fixture();
    const snapshot = {
      devices: [
        { device_id: 'v1', name: 'Van', plate: 'AB-1', speed_limit_kmh: 80 },
        { device_id: 'v2', name: null, plate: null, speed_limit_kmh: null },
      ],
      timestamp: iso(T0),
    };
    f.registry.accept(Buffer.from(JSON.stringify(snapshot)));
    f.registry.accept(Buffer.from('{"devices": "nope"}')); // ignored: the previous limits stay
    f.engine.onReadings([f.reading('v1', 0, 85), f.reading('v2', 0, 85)]);
    f.advance(1000);
    for (let i = 1; i <= 5; i++) {
      f.engine.onReadings([f.reading('v1', i, 85), f.reading('v2', i, 85)]);
      f.advance(1000);
    }
    expect(f.kinds()).toEqual(['opened overspeed v1']);
    expect(f.changes[0]?.alarm.message).toBe('speed 85 km/h above 80 km/h for 5 s or more');
  });

  it('a replayed backlog (readings an hour old) is not judged: no alarm storm, counted as skipped', () => {
    const f = fixture();
    f.engine.onStatus(status('v1', 'online', T0));
    const backlog = Array.from({ length: 600 }, (_, i) =>
      f.reading('v1', i, i % 120 < 60 ? 115 : 90, T0 - 3_600_000 + i * 1000),
    );
    f.engine.onReadings(backlog);
    f.advance(30_000);
    expect(f.kinds()).toEqual([]);
    expect(f.engine.skippedStale).toBe(600);
    // ...but the arrival says the device is alive: no no_data alarm for the next minute.
    f.advance(29_000);
    expect(f.kinds()).toEqual([]);
  });

  it('timed rules open nothing while the collector is not subscribed; silence counts from its (re)subscription', () => {
    const f = new EngineFixture(tempDir(), BUILT_IN_RULES, [], { subscribed: false });
    open.push(f);
    f.engine.onStatus(status('v1', 'offline', T0));
    f.advance(120_000, 1000);
    expect(f.kinds()).toEqual([]);
    f.engine.subscribed();
    f.advance(59_000, 1000);
    expect(f.kinds()).toEqual([]);
    f.advance(2000, 1000);
    expect(f.kinds()).toEqual(['opened offline v1']);
    // A broker outage: no vehicle's silence during it opens anything, nor right after it.
    f.engine.onStatus(status('v2', 'online', f.now));
    f.engine.onReadings([f.reading('v2', 0, 50)]);
    f.engine.disconnected();
    f.advance(10 * 60_000, 5000);
    f.engine.subscribed();
    f.advance(59_000, 1000);
    expect(f.kinds()).toEqual(['opened offline v1']);
    f.advance(2000, 1000);
    expect(f.kinds()).toEqual(['opened offline v1', 'opened no_data v2']);
  });
});

describe('lifecycle', () => {
  it('acknowledge: open → acknowledged once; unknown ids; an acknowledged alarm still clears', () => {
    const f = fixture();
    f.drive('v1', repeat(115, 6));
    const id = f.alarms()[0]?.id as string;
    expect(f.engine.acknowledge(id).outcome).toBe('acknowledged');
    expect(f.engine.acknowledge(id).outcome).toBe('unchanged');
    expect(f.engine.acknowledge('00000000-0000-4000-8000-000000000000').outcome).toBe('unknown');
    f.drive('v1', repeat(90, 6), 6);
    expect(f.kinds()).toEqual([
      'opened overspeed v1',
      'acknowledged overspeed v1',
      'cleared overspeed v1',
    ]);
    const cleared = f.changes.at(-1)?.alarm;
    expect(cleared).toMatchObject({ state: 'cleared', acknowledgedAt: expect.any(Number) });
    expect(f.engine.acknowledge(id)).toMatchObject({
      outcome: 'unchanged',
      alarm: { state: 'cleared' },
    });
  });

  it('the state file allows one alarm per (device, rule) while it is not cleared', () => {
    const f = fixture();
    f.drive('v1', repeat(115, 6));
    const [alarm] = f.engine.activeAlarms();
    expect(() => f.rows.save({ ...(alarm as NonNullable<typeof alarm>), id: 'another' })).toThrow(
      /UNIQUE/,
    );
  });

  it('a restart loses nothing, opens nothing twice, notifies nothing twice, and still clears', () => {
    const dir = tempDir();
    const first = fixture(BUILT_IN_RULES, ['webhook'], dir);
    first.engine.onStatus(status('v2', 'offline', T0));
    first.drive('v1', repeat(115, 6));
    first.advance(60_000, 1000);
    expect(first.kinds()).toEqual(['opened overspeed v1', 'opened offline v2']);
    const now = first.now;
    first.close(); // or a crash: every change above was committed when it was made

    const second = fixture(BUILT_IN_RULES, ['webhook'], dir);
    second.now = now + 5000;
    second.engine.onStatus(status('v2', 'offline', T0)); // retained, heard again
    // The device resends what it had not seen confirmed, and keeps speeding.
    second.engine.onReadings(
      Array.from({ length: 6 }, (_, i) => second.reading('v1', i, 115, T0 + i * 1000)),
    );
    second.drive('v1', repeat(116, 10), 100);
    second.advance(120_000, 1000);
    expect(second.kinds()).toEqual(['updated overspeed v1']);
    second.drive('v1', repeat(90, 6), 200);
    second.engine.onStatus(status('v2', 'online', second.now));
    expect(second.kinds()).toEqual([
      'updated overspeed v1',
      'cleared overspeed v1',
      'cleared offline v2',
    ]);
    expect(second.alarms().map((a) => `${a.rule} ${a.scope} ${a.state}`)).toEqual([
      'overspeed v1 cleared',
      'offline v2 cleared',
    ]);
    expect(second.notices().map((n) => `${n.kind} ${n.repeat_no}`)).toEqual([
      'firing 0',
      'firing 0',
      'resolved 0',
      'resolved 0',
    ]);
  });

  it('a restart does not clear a silence alarm that still holds (silence before it still counts for clearing)', () => {
    const dir = tempDir();
    const first = fixture(BUILT_IN_RULES, [], dir);
    first.engine.onStatus(status('v1', 'online', T0));
    first.engine.onReadings([first.reading('v1', 0, 50)]);
    first.advance(61_000, 1000);
    expect(first.kinds()).toEqual(['opened no_data v1']);
    const now = first.now;
    first.close();
    const second = new EngineFixture(dir, BUILT_IN_RULES, [], { now: now + 2000 });
    open.push(second);
    second.engine.onStatus(status('v1', 'online', T0)); // retained, heard again
    second.advance(30_000, 1000);
    expect(second.kinds()).toEqual([]);
    second.engine.onReadings([second.reading('v1', 1, 50)]);
    expect(second.kinds()).toEqual(['cleared no_data v1']);
  });

  it('a rule no longer configured has its open alarms cleared at start', () => {
    const dir = tempDir();
    const first = fixture(BUILT_IN_RULES, [], dir);
    first.drive('v1', repeat(115, 6));
    first.close();
    const withoutOverspeed = { ...BUILT_IN_RULES, rules: BUILT_IN_RULES.rules.slice(1) };
    const second = fixture(withoutOverspeed, [], dir);
    expect(second.kinds()).toEqual(['cleared overspeed v1']);
    expect(second.changes[0]?.alarm.message).toMatch(/cleared: its rule is no longer configured$/);
  });
});

describe('notices', () => {
  it('silences: a matching open is recorded silenced and its clear not notified; others go out', () => {
    const rules: RuleSet = {
      ...BUILT_IN_RULES,
      notify: {
        ...BUILT_IN_RULES.notify,
        silences: [
          {
            from: T0 - 1000,
            to: T0 + 3_600_000,
            rule: 'overspeed',
            deviceId: 'v1',
            comment: undefined,
          },
        ],
      },
    };
    const f = fixture(rules);
    f.drive('v1', repeat(115, 6));
    f.drive('v2', repeat(115, 6));
    f.drive('v1', repeat(90, 6), 6);
    f.drive('v2', repeat(90, 6), 6);
    expect(f.notices().map((n) => `${n.kind} ${n.state}`)).toEqual([
      'firing silenced',
      'firing pending',
      'resolved pending',
    ]);
  });

  it('repeat interval: an open alarm nobody acknowledged is notified again; acknowledged ones are not', () => {
    const rules: RuleSet = {
      ...BUILT_IN_RULES,
      rules: BUILT_IN_RULES.rules.slice(0, 1), // overspeed only (hours of silence: fleet_silent)
      notify: { ...BUILT_IN_RULES.notify, repeatIntervalMs: 3_600_000 },
    };
    const f = fixture(rules);
    f.drive('v1', repeat(115, 6));
    f.advance(2 * 3_600_000 + 1000, 60_000);
    f.engine.acknowledge(f.alarms()[0]?.id as string);
    f.advance(3 * 3_600_000, 60_000);
    expect(f.notices().map((n) => `${n.kind} ${n.repeat_no}`)).toEqual([
      'firing 0',
      'firing 1',
      'firing 2',
    ]);
  });

  it('old delivered notices are forgotten only for cleared alarms: an open one still gets its resolved notice', () => {
    const f = fixture();
    f.drive('v1', repeat(115, 6));
    f.drive('v1', repeat(90, 6), 6);
    f.drive('v2', repeat(115, 6));
    f.db.exec("UPDATE alarm_notices SET state = 'sent'");
    new OutboxRows(f.db).prune(f.now + 1);
    expect(f.notices().map((n) => `${n.kind} ${n.state}`)).toEqual(['firing sent']);
    f.drive('v2', repeat(90, 6), 6);
    expect(f.notices().map((n) => `${n.kind} ${n.state}`)).toEqual([
      'firing sent',
      'resolved pending',
    ]);
  });
});
