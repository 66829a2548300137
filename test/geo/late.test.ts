import { describe, expect, it } from 'vitest';
import { geoConfig } from '../../geo/config.js';
import { compileZones, type Geofence } from '../../geo/geofence-index.js';
import { GeoLedger, type LedgerEntry } from '../../geo/ledger.js';
import type { GeoSample } from '../../geo/sample.js';
import { rng, TrackBuilder, workingDay } from './tracks.js';

const DAY = 86_400_000;
const D0 = Date.parse('2026-03-02T00:00:00Z');

const ZONES: Geofence[] = [
  { id: 1, name: 'home', shape: { type: 'circle', center: [13.405, 52.52], radius_m: 150 } },
  {
    id: 'work',
    name: 'work',
    shape: {
      type: 'Polygon',
      coordinates: [
        [
          [13.47, 52.51],
          [13.49, 52.51],
          [13.49, 52.535],
          [13.47, 52.535],
          [13.47, 52.51],
        ],
      ],
    },
    speed_limit_kmh: 30,
  },
];

function threeDays(): GeoSample[] {
  const b = new TrackBuilder(D0, 52.52, 13.405, rng(7));
  for (let d = 0; d < 3; d++) workingDay(b, D0 + d * DAY);
  return b.samples;
}

function ledger(): GeoLedger {
  return new GeoLedger({ config: geoConfig(), zones: compileZones(ZONES) });
}

const outputs = (entries: readonly LedgerEntry[]) => entries.map((e) => e.output);

function live(samples: readonly GeoSample[], batch = 50): GeoLedger {
  const l = ledger();
  for (let i = 0; i < samples.length; i += batch) l.ingest(samples.slice(i, i + batch));
  return l;
}

describe('late data', () => {
  const samples = threeDays();
  const inOrder = live(samples);
  const kinds = (l: GeoLedger) =>
    outputs(l.entries).reduce<Record<string, number>>((a, o) => {
      const k = o.kind === 'event' ? o.event.type : o.kind;
      a[k] = (a[k] ?? 0) + 1;
      return a;
    }, {});

  it('the live run has trips, stops and every kind of event', () => {
    expect(kinds(inOrder)).toMatchObject({
      trip: 12,
      trip_start: 12,
      trip_end: 12,
      geofence_enter: expect.any(Number),
      geofence_exit: expect.any(Number),
      harsh_brake: 3,
    });
    expect(kinds(inOrder).stop).toBeGreaterThanOrEqual(11);
  });

  it("a day's block arriving after the next day gives the same trips, stops and events", () => {
    const day2 = (s: GeoSample) => s.time >= D0 + DAY && s.time < D0 + 2 * DAY;
    const l = live(samples.filter((s) => !day2(s)));
    expect(outputs(l.entries)).not.toEqual(outputs(inOrder.entries));
    const late = samples.filter(day2);
    l.ingest(late);
    expect(outputs(l.entries)).toEqual(outputs(inOrder.entries));
    // Only what follows the last checkpoint before day 2 was recomputed.
    expect(l.replayed).toBeLessThan(samples.length - late.length / 2);
    expect(l.replayed).toBeGreaterThanOrEqual(samples.filter((s) => s.time >= D0 + DAY).length);
  });

  it('a hole in the middle of a trip filled later gives the same results', () => {
    const trip = outputs(inOrder.entries).find(
      (o) => o.kind === 'trip' && o.trip.start > '2026-03-03',
    );
    const start = trip?.kind === 'trip' ? Date.parse(trip.trip.start) : 0;
    const hole = (s: GeoSample) => s.time > start + 60_000 && s.time < start + 300_000;
    const l = live(samples.filter((s) => !hole(s)));
    l.ingest(samples.filter(hole));
    expect(outputs(l.entries)).toEqual(outputs(inOrder.entries));
  });

  it('random late batches, duplicates included, converge on the live result', () => {
    const random = rng(99);
    const l = ledger();
    let i = 0;
    const held: GeoSample[] = [];
    while (i < samples.length) {
      const n = 1 + Math.floor(random() * 400);
      const batch = samples.slice(i, i + n);
      i += n;
      if (random() < 0.2) held.push(...batch);
      else l.ingest([...batch, ...(random() < 0.3 ? held.splice(0) : [])]);
      if (random() < 0.1) l.ingest(samples.slice(Math.max(0, i - 30), i)); // resent
    }
    l.ingest(held);
    expect(outputs(l.entries)).toEqual(outputs(inOrder.entries));
  });
});
