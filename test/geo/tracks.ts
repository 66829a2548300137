// Builds hand-made vehicle tracks (parking with jitter, idling, driving along a bearing) as geo samples with known boundaries.
import { destination } from '../../geo/distance.js';
import type { GeoSample } from '../../geo/sample.js';
import { rng } from '../../harness/random.js';

export { rng };

export const T0 = Date.parse('2026-03-02T08:00:00Z');

/**
 * A vehicle's samples built piece by piece. `t` is the time of the last sample (before the first,
 * the start time); every piece starts one interval after it. `metres` counts the distance driven.
 */
export class TrackBuilder {
  readonly samples: GeoSample[] = [];
  metres = 0;
  private seq = 0;
  private v = 0;

  constructor(
    public t: number,
    public lat: number,
    public lon: number,
    private readonly random = rng(1),
  ) {}

  private add(s: Omit<GeoSample, 'seq'>): void {
    this.samples.push({ ...s, seq: ++this.seq });
    this.t = s.time;
  }

  private first(everyS: number): number {
    return this.samples.length === 0 ? this.t : this.t + everyS * 1000;
  }

  /** Parked `count` samples `everyS` apart, with jitter up to `jitterM` around the spot. */
  park(
    count: number,
    o: { everyS?: number; ignition?: boolean; jitterM?: number; speed?: boolean } = {},
  ): this {
    const every = o.everyS ?? 60;
    const t0 = this.first(every);
    for (let i = 0; i < count; i++) {
      const j = destination(
        this.lat,
        this.lon,
        this.random() * 360,
        this.random() * (o.jitterM ?? 0),
      );
      const s: Omit<GeoSample, 'seq'> = { time: t0 + i * every * 1000, lat: j.lat, lon: j.lon };
      if (o.speed !== false) s.speed = 0;
      if (o.ignition !== undefined) s.ignition = o.ignition;
      this.add(s);
    }
    this.v = 0;
    return this;
  }

  /** Engine on, standing, one sample a second for `count` seconds. */
  idle(count: number, o: { jitterM?: number } = {}): this {
    return this.park(count, { everyS: 1, ignition: true, jitterM: o.jitterM ?? 0 });
  }

  /** One sample a second while the speed goes to `kmh` at `mps2` (either way) along `bearing`. */
  ramp(kmh: number, mps2: number, bearing = 90, o: { ignition?: boolean } = {}): this {
    while (this.v !== kmh) {
      const dv = mps2 * 3.6;
      const next = this.v < kmh ? Math.min(kmh, this.v + dv) : Math.max(kmh, this.v - dv);
      this.move(((this.v + next) / 2 / 3.6) * 1, next, bearing, o.ignition);
    }
    return this;
  }

  /** At the current speed for `seconds`, one sample a second, along `bearing`. */
  cruise(seconds: number, bearing = 90, o: { ignition?: boolean; heading?: boolean } = {}): this {
    for (let i = 0; i < seconds; i++)
      this.move(this.v / 3.6, this.v, bearing, o.ignition, o.heading);
    return this;
  }

  private move(d: number, kmh: number, bearing: number, ignition = true, heading = true): void {
    const p = destination(this.lat, this.lon, bearing, d);
    this.lat = p.lat;
    this.lon = p.lon;
    this.metres += d;
    this.v = kmh;
    const s: Omit<GeoSample, 'seq'> = { time: this.t + 1000, lat: p.lat, lon: p.lon, speed: kmh };
    if (ignition !== undefined) s.ignition = ignition;
    if (heading) s.heading = bearing;
    this.add(s);
  }

  /** A reading without position (speed, ignition) one second later. */
  bare(s: { speed?: number; ignition?: boolean; fuel?: number }, afterS = 1): this {
    this.add({ time: this.t + afterS * 1000, ...s });
    return this;
  }

  /** Moves the vehicle without samples (towed, or driven while the tracker was off). */
  teleport(metres: number, bearing = 90): this {
    const p = destination(this.lat, this.lon, bearing, metres);
    this.lat = p.lat;
    this.lon = p.lon;
    return this;
  }

  /** Moves the clock on without samples. */
  silence(seconds: number): this {
    this.t += seconds * 1000;
    return this;
  }
}

/**
 * A working day from `b`'s home (parked overnight since the previous sample): a commute east with
 * a hard brake, parked at work, a lunch loop, the commute home, parked until the next midnight.
 */
export function workingDay(b: TrackBuilder, dayStart: number): void {
  const home = [b.lat, b.lon] as const;
  b.park(Math.floor((dayStart + 7 * 3_600_000 - b.t) / 60_000), { ignition: false, jitterM: 10 });
  b.idle(40).ramp(50, 2).cruise(300).ramp(20, 5).cruise(20, 45).ramp(50, 2, 45).cruise(200, 45);
  b.ramp(0, 2, 45)
    .idle(15)
    .park(8 * 60, { ignition: false, jitterM: 20 });
  b.idle(10).ramp(30, 2, 180).cruise(100, 180).ramp(0, 2, 180).park(45, { ignition: false });
  b.idle(10)
    .ramp(30, 2, 0)
    .cruise(100, 0)
    .ramp(0, 2, 0)
    .park(120, { ignition: false, jitterM: 20 });
  b.idle(20).ramp(50, 2, 225).cruise(200, 225).ramp(50, 2, 270).cruise(300, 270).ramp(0, 2, 270);
  // Home again, give or take a few metres of road.
  b.lat = home[0];
  b.lon = home[1];
  b.idle(10);
  const midnight = dayStart + 24 * 3_600_000;
  b.park(Math.floor((midnight - b.t) / 60_000), { ignition: false, jitterM: 10 });
}
