import { describe, expect, it } from 'vitest';
import { detectHarsh, headingChange, initialBehaviourState } from '../../geo/behaviour.js';
import { DEFAULT_GEO_CONFIG, geoConfig } from '../../geo/config.js';
import { drivingScore } from '../../geo/score.js';
import { run, types } from './run.js';
import { T0, TrackBuilder } from './tracks.js';

const H = DEFAULT_GEO_CONFIG.harsh;

/** Feeds (seconds, km/h, heading?) triples and lists the events. */
function feed(points: [number, number, number?][], cfg = H) {
  const s = initialBehaviourState();
  return points.flatMap(([t, v, h]) => detectHarsh(s, cfg, T0 + t * 1000, v, h));
}

describe('driving behaviour', () => {
  it('a hard brake held for three seconds is one event, at its first second', () => {
    const hits = feed([
      [0, 80],
      [1, 80],
      [2, 65],
      [3, 50],
      [4, 35],
      [5, 35],
    ]);
    expect(hits).toEqual([{ type: 'harsh_brake', value_mps2: 4.17, speed_kmh: 65 }]);
  });

  it('gentle driving, slow noise and implausible jumps give nothing', () => {
    const gentle: [number, number][] = [];
    for (let i = 0; i < 60; i++) gentle.push([i, Math.min(100, i * 7)]); // 1.9 m/s²
    expect(feed(gentle)).toEqual([]);
    expect(
      feed([
        [0, 50],
        [1, 0],
        [2, 50],
      ]),
    ).toEqual([]); // a 0 km/h glitch: 13.9 m/s², not driving
    expect(
      feed([
        [0, 0],
        [1, 120],
      ]),
    ).toEqual([]);
  });

  it('no event across a gap, and none from fixes too close together', () => {
    expect(
      feed([
        [0, 80],
        [4, 20],
      ]),
    ).toEqual([]); // 4.2 m/s² on average, but unseen
    expect(
      feed([
        [0, 80],
        [0.2, 76],
        [0.4, 72],
      ]),
    ).toEqual([]); // no window of 0.75 s yet
    expect(
      feed([
        [0, 80],
        [0.5, 76],
        [1, 66],
      ]).map((h) => h.type),
    ).toEqual(['harsh_brake']);
  });

  it('readings sharing one timestamp keep one sample of it: same events, a window that stays small', () => {
    const cfg = DEFAULT_GEO_CONFIG.harsh;
    const s = initialBehaviourState();
    // A clock that sticks: 10,000 readings at T0, then a hard brake a second later.
    for (let i = 0; i < 10_000; i++) detectHarsh(s, cfg, T0, 80 - (i % 3), undefined);
    expect(s.recent).toHaveLength(1);
    expect(s.recent[0]?.v).toBe(80 - (9_999 % 3)); // the last reading of that time is the reference
    const hits = detectHarsh(s, cfg, T0 + 1000, 60, undefined);
    expect(hits.map((h) => [h.type, h.value_mps2])).toEqual([
      ['harsh_brake', Math.round(((80 - (9_999 % 3) - 60) / 3.6) * 100) / 100],
    ]);
    expect(s.recent).toHaveLength(2);
  });

  it('cornering is lateral acceleration v·ω, ignored when slow', () => {
    // 50 km/h, 30°/s: 13.9 m/s × 0.524 rad/s = 7.3 m/s².
    expect(
      feed([
        [0, 50, 350],
        [1, 50, 20],
      ]).map((h) => [h.type, h.value_mps2]),
    ).toEqual([['harsh_corner', 7.27]]);
    expect(
      feed([
        [0, 50, 0],
        [1, 50, 10],
      ]),
    ).toEqual([]); // 2.4 m/s²
    expect(
      feed([
        [0, 15, 0],
        [1, 15, 90],
      ]),
    ).toEqual([]); // slower than 20 km/h
    expect(headingChange(350, 10)).toBe(20);
    expect(headingChange(10, 350)).toBe(-20);
    expect(headingChange(0, 180)).toBe(180);
  });

  it('thresholds are settings', () => {
    const soft = geoConfig({ harsh: { brakeMps2: 2 } }).harsh;
    expect(
      feed(
        [
          [0, 60],
          [1, 52],
        ],
        soft,
      ).map((h) => h.type),
    ).toEqual(['harsh_brake']);
    expect(
      feed([
        [0, 60],
        [1, 52],
      ]),
    ).toEqual([]);
  });

  it('harsh events count in the trip, are emitted as events, and lower its score', () => {
    const b = new TrackBuilder(T0, 52.52, 13.405);
    b.park(3, { ignition: false }).idle(2).ramp(50, 2).cruise(100).ramp(10, 5).cruise(5);
    b.ramp(50, 4).cruise(100).ramp(0, 2).park(3, { ignition: false });
    const r = run(b.samples);
    expect(types(r.events)).toEqual(['trip_start', 'harsh_brake', 'harsh_accel', 'trip_end']);
    const t = r.trips[0];
    expect([t?.harsh_accel, t?.harsh_brake, t?.harsh_corner]).toEqual([1, 1, 0]);
    expect(t?.score).toBe(
      drivingScore(
        {
          harshEvents: 2,
          distanceKm: t?.distance_km ?? 0,
          drivingS: t?.duration_s ?? 0,
          overspeedS: 0,
        },
        DEFAULT_GEO_CONFIG.score,
      ),
    );
    expect(t?.score).toBe(60); // 2 events on a short trip: 2 × 100 / 25 km × 5 points
  });

  it('the score formula', () => {
    const cfg = DEFAULT_GEO_CONFIG.score;
    expect(
      drivingScore({ harshEvents: 0, distanceKm: 100, drivingS: 3600, overspeedS: 0 }, cfg),
    ).toBe(100);
    expect(
      drivingScore({ harshEvents: 1, distanceKm: 100, drivingS: 3600, overspeedS: 0 }, cfg),
    ).toBe(95);
    expect(
      drivingScore({ harshEvents: 0, distanceKm: 100, drivingS: 3600, overspeedS: 360 }, cfg),
    ).toBe(90);
    expect(drivingScore({ harshEvents: 1, distanceKm: 2, drivingS: 300, overspeedS: 0 }, cfg)).toBe(
      80,
    );
    expect(
      drivingScore({ harshEvents: 50, distanceKm: 10, drivingS: 600, overspeedS: 0 }, cfg),
    ).toBe(0);
  });
});
