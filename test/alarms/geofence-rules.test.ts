// Geofence rules (geofence_enter, geofence_exit) and the overspeed rule inside a zone with speed_limit_kmh, on the alarm engine with a hand-driven clock.
import { afterEach, describe, expect, it } from 'vitest';
import { BUILT_IN_RULES, type RuleSet } from '../../alarms/rules.js';
import { ruleSetFrom } from '../../alarms/rules-file.js';
import type { Reading } from '../../core/contract.js';
import { destination } from '../../geo/distance.js';
import { encodeGeofenceSnapshot } from '../../geofences/snapshot.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import { EngineFixture, iso } from './engine-fixture.js';

const open: EngineFixture[] = [];
afterEach(() => {
  for (const f of open.splice(0)) if (f.db.open) f.close();
  removeTempDirs();
});

const DEPOT = { lat: 52.52, lon: 13.405 };
const SCHOOL = { lat: 52.53, lon: 13.405 };
const SNAPSHOT = encodeGeofenceSnapshot(
  [
    {
      id: 1,
      name: 'depot',
      shape: { type: 'circle', center: [DEPOT.lon, DEPOT.lat], radius_m: 100 },
    },
    {
      id: 2,
      name: 'school',
      shape: { type: 'circle', center: [SCHOOL.lon, SCHOOL.lat], radius_m: 300 },
      speed_limit_kmh: 30,
    },
  ],
  Date.now(),
);

function fixture(rules: RuleSet): EngineFixture {
  const f = new EngineFixture(tempDir(), rules);
  f.geofences.accept(SNAPSHOT);
  open.push(f);
  return f;
}

/** A fix `metres` north of a place, measured now, with a speed. */
function at(
  f: EngineFixture,
  seq: number,
  place: { lat: number; lon: number },
  metres: number,
  speed = 0,
): Reading {
  const p = destination(place.lat, place.lon, 0, metres);
  return { device_id: 'v1', seq, timestamp: iso(f.now), values: { lat: p.lat, lon: p.lon, speed } };
}

const rules = ruleSetFrom({
  rules: [
    { name: 'in_depot', type: 'geofence_enter', geofence: 'depot', severity: 'info' },
    { name: 'left_depot', type: 'geofence_exit', geofence: 'depot' },
  ],
});

describe('geofence rules', () => {
  it('enter: open while inside; exit: open from leaving until back; a parked vehicle on the border flaps nothing', () => {
    const f = fixture(rules);
    let seq = 0;
    const fix = (metres: number) => {
      f.engine.onReadings([at(f, seq++, DEPOT, metres)]);
      f.advance(1000);
    };
    fix(500); // outside, never inside: nothing
    expect(f.kinds()).toEqual([]);
    fix(50); // inside
    // Parked on the border (100 m), jitter of ±20 m: within the 30 m margin, no exit.
    for (const m of [95, 110, 90, 120, 105, 85, 115]) fix(m);
    expect(f.kinds()).toEqual(['opened in_depot v1']);
    fix(200); // 100 m outside: left
    fix(400);
    fix(60); // back
    expect(f.kinds()).toEqual([
      'opened in_depot v1',
      'cleared in_depot v1',
      'opened left_depot v1',
      'opened in_depot v1',
      'cleared left_depot v1',
    ]);
  });

  it('a replayed backlog moves the state without alarms; the next fresh fix judges', () => {
    const f = fixture(rules);
    const old = f.now - 3_600_000;
    const stale = (seq: number, metres: number): Reading => ({
      ...at(f, seq, DEPOT, metres),
      timestamp: iso(old + seq * 1000),
    });
    f.engine.onReadings([stale(0, 30), stale(1, 40)]);
    expect(f.kinds()).toEqual([]);
    f.engine.onReadings([at(f, 2, DEPOT, 35)]);
    expect(f.kinds()).toEqual(['opened in_depot v1']);
  });

  it('overspeed uses the lowest limit of the zones around the vehicle, else its own', () => {
    const f = fixture(BUILT_IN_RULES);
    let seq = 0;
    const drive = (place: { lat: number; lon: number }, speed: number, seconds: number) => {
      for (let i = 0; i < seconds; i++) {
        f.engine.onReadings([at(f, seq++, place, 0, speed)]);
        f.advance(1000);
      }
    };
    drive(DEPOT, 50, 8); // 50 km/h in a zone without a limit: the default 110 applies
    expect(f.kinds()).toEqual([]);
    drive(SCHOOL, 50, 8); // 50 in the 30 km/h zone
    expect(f.kinds()).toEqual(['opened overspeed v1']);
    drive(SCHOOL, 15, 8); // back at or below 30 - 10
    expect(f.kinds()).toEqual(['opened overspeed v1', 'cleared overspeed v1']);
  });

  it('rules files take geofence rules and name what is missing', () => {
    expect(() => ruleSetFrom({ rules: [{ name: 'x', type: 'geofence_exit' }] })).toThrow(
      /rules\[0\]\.geofence: is required/,
    );
  });
});
