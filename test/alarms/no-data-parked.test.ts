// no_data and parked vehicles: after a reading with the ignition off the next is due PARKED_INTERVAL_S later, and silence counts from then (also across a collector restart).
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { BUILT_IN_RULES } from '../../alarms/rules.js';
import { openAlarmDb } from '../../alarms/store/alarm-db.js';
import type { Reading } from '../../core/contract.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { EngineFixture, iso, T0 } from './engine-fixture.js';

const open: EngineFixture[] = [];
const fixture = (dir = tempDir()) => {
  const f = new EngineFixture(dir, BUILT_IN_RULES, []);
  open.push(f);
  return f;
};

afterEach(() => {
  for (const f of open.splice(0)) if (f.db.open) f.close();
  removeTempDirs();
});

const parked = (seq: number, at: number): Reading => ({
  device_id: 'v1',
  seq,
  timestamp: iso(at),
  values: { speed: 0, ignition: false, lat: 52.52, lon: 13.405 },
});
const online = (at: number) => ({ device_id: 'v1', status: 'online' as const, timestamp: iso(at) });

describe('no_data for a parked vehicle', () => {
  it('one reading a minute with the ignition off for an hour: no alarm', () => {
    const f = fixture();
    f.engine.onStatus(online(T0));
    f.drive(
      'v1',
      Array.from({ length: 30 }, () => 40),
    );
    for (let k = 0; k < 60; k++) {
      f.engine.onReadings([parked(30 + k, f.now)]);
      f.advance(60_000, 1000);
    }
    expect(f.kinds()).toEqual([]);
  });

  it('silent after a parked reading: opens PARKED_INTERVAL_S + 60 s later, saying when the next was due', () => {
    const f = fixture();
    f.engine.onStatus(online(T0));
    f.engine.onReadings([parked(0, T0)]);
    f.advance(119_000, 1000);
    expect(f.kinds()).toEqual([]);
    f.advance(2000, 1000);
    expect(f.kinds()).toEqual(['opened no_data v1']);
    const alarm = f.changes[0]?.alarm;
    expect(alarm?.message).toBe(
      'online but no reading since 12:00:00 UTC (1 min or more, parked: the next was due at 12:01:00 UTC)',
    );
    expect(alarm?.value).toBe(120);
    // A reading clears it; one with the ignition on leaves the usual 60 s.
    f.engine.onReadings([{ ...parked(1, f.now), values: { speed: 5, ignition: true } }]);
    f.advance(59_000, 1000);
    expect(f.kinds()).toEqual(['opened no_data v1', 'cleared no_data v1']);
    f.advance(2000, 1000);
    expect(f.kinds()).toEqual(['opened no_data v1', 'cleared no_data v1', 'opened no_data v1']);
  });

  it('the expected gap survives a collector restart (kept in the state file)', () => {
    const dir = tempDir();
    const f = fixture(dir);
    f.engine.onStatus(online(T0));
    f.engine.onReadings([parked(0, T0)]);
    f.advance(5000, 1000);
    f.close();
    const g = new EngineFixture(dir, BUILT_IN_RULES, [], { now: T0 + 5000 });
    open.push(g);
    g.advance(110_000, 1000); // 115 s after the parked reading: within 60 s + 60 s
    expect(g.kinds()).toEqual([]);
    g.advance(10_000, 1000);
    expect(g.kinds()).toEqual(['opened no_data v1']);
  });

  it('a state file from before quiet_ms gets the column (0: the old behaviour)', () => {
    const path = `${tempDir()}/collector-state.db`;
    const old = new Database(path);
    old.exec(
      'CREATE TABLE alarm_devices (device_id TEXT PRIMARY KEY, status TEXT, status_since INTEGER NOT NULL, last_reading_at INTEGER)',
    );
    old.prepare('INSERT INTO alarm_devices VALUES (?, ?, ?, ?)').run('v1', 'online', T0, T0);
    old.close();
    const db = openAlarmDb(path);
    expect(db.prepare('SELECT quiet_ms FROM alarm_devices').all()).toEqual([{ quiet_ms: 0 }]);
    db.close();
  });
});
