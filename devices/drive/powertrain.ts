// The vehicle's engine-side signals: odometer, fuel (falls with distance and idling, refilled at stations), battery voltage, coolant temperature, gear and rpm.
import type { Random } from '../rng.js';

export interface PowertrainSpec {
  tankL: number;
  /** Consumption while driving, litres per 100 km. */
  l100km: number;
  /** Consumption while idling, litres per hour. */
  idleLh: number;
  gearRatios: readonly number[];
  finalDrive: number;
  wheelRadiusM: number;
  idleRpm: number;
  /** Where the thermostat holds the coolant, °C (about 90). */
  thermostatC: number;
  /** Alternator output while running, V (13.8–14.4). */
  chargeV: number;
  /** Resting voltage of the battery some hours after parking, V (12.2–12.7). */
  restV: number;
}

export function drawSpec(random: Random): PowertrainSpec {
  return {
    tankL: Math.round(random.uniform(45, 70)),
    l100km: random.uniform(6.5, 10),
    idleLh: random.uniform(0.6, 1),
    gearRatios: [3.8, 2.1, 1.4, 1.0, 0.8, 0.65],
    finalDrive: random.uniform(3.4, 4),
    wheelRadiusM: random.uniform(0.3, 0.33),
    idleRpm: random.uniform(720, 850),
    thermostatC: random.uniform(87, 92),
    chargeV: random.uniform(13.95, 14.25),
    restV: random.uniform(12.35, 12.6),
  };
}

export const RUNNING_V: readonly [number, number] = [13.8, 14.4];
export const PARKED_V: readonly [number, number] = [12.2, 12.7];

const clamp = (v: number, [lo, hi]: readonly [number, number]) => Math.min(hi, Math.max(lo, v));

/** Shift up above this rpm, down below the other (the hysteresis keeps it from hunting). */
const UPSHIFT_RPM = 2600;
const DOWNSHIFT_RPM = 1250;

export interface PowertrainState {
  odometerKm: number;
  fuelPct: number;
  coolantC: number;
}

export class Powertrain {
  odometerM: number;
  fuelL: number;
  coolantC: number;
  private gear = 1;
  /** Seconds since the ignition went off (battery recovery). */
  private parkedS = 0;

  constructor(
    readonly spec: PowertrainSpec,
    start: PowertrainState,
    private readonly random: Random,
  ) {
    this.odometerM = start.odometerKm * 1000;
    this.fuelL = (start.fuelPct / 100) * spec.tankL;
    this.coolantC = start.coolantC;
  }

  get fuelPct(): number {
    return (this.fuelL / this.spec.tankL) * 100;
  }

  /**
   * One step of dtS seconds in which the vehicle went from v0 to v1 m/s over distanceM metres.
   * Ignition off: nothing burns, the coolant cools toward ambient, the battery settles.
   */
  step(
    dtS: number,
    v0: number,
    v1: number,
    distanceM: number,
    ignition: boolean,
    ambientC: number,
  ): void {
    if (dtS <= 0) return;
    const s = this.spec;
    this.odometerM += distanceM;
    if (ignition) {
      this.parkedS = 0;
      // Accelerating costs more than cruising, idling costs its own rate.
      const extra = 1 + Math.max(0, (v1 - v0) / dtS) * 0.35;
      const burnt = (distanceM / 100_000) * s.l100km * extra + (s.idleLh * dtS) / 3600;
      this.fuelL = Math.max(0, this.fuelL - burnt);
      // The engine's heat warms the coolant at a steady rate (from cold to ~90 °C in about six
      // minutes of driving, three times slower idling) until the thermostat opens and holds it.
      const rate = v1 > 0.5 ? 0.2 : 0.07;
      this.coolantC = Math.min(s.thermostatC, this.coolantC + rate * dtS);
      this.shift(v1);
    } else {
      this.parkedS += dtS;
      this.coolantC += (ambientC - this.coolantC) * (1 - Math.exp(-dtS / 3600)); // an hour's time constant
      this.gear = 1;
    }
  }

  /** The gauges of an earlier run of this vehicle (VehicleMemory). */
  restore(s: { odometerKm: number; fuelPct: number; coolantC: number }): void {
    this.odometerM = s.odometerKm * 1000;
    this.fuelL = (Math.min(100, Math.max(0, s.fuelPct)) / 100) * this.spec.tankL;
    this.coolantC = s.coolantC;
  }

  /** Filled up at a station (ignition off). */
  refuel(): void {
    this.fuelL = this.spec.tankL * this.random.uniform(0.93, 1);
  }

  private inGear(v: number, gear: number): number {
    const s = this.spec;
    const wheelRpm = (v / (2 * Math.PI * s.wheelRadiusM)) * 60;
    return wheelRpm * s.finalDrive * (s.gearRatios[gear - 1] ?? 1);
  }

  /** Picks the gear for speed v (m/s): up above UPSHIFT_RPM, down below DOWNSHIFT_RPM. */
  private shift(v: number): void {
    const top = this.spec.gearRatios.length;
    if (v < 1.5) this.gear = 1;
    while (this.gear < top && this.inGear(v, this.gear) > UPSHIFT_RPM) this.gear += 1;
    while (this.gear > 1 && this.inGear(v, this.gear) < DOWNSHIFT_RPM) this.gear -= 1;
  }

  /**
   * Sensor readings at speed v (m/s), small noise on the analogue ones, clamped to their ranges:
   * running, the alternator holds the battery at its charge voltage (a little less at idle) and
   * the engine turns at least at idle; parked, the battery's surface charge fades toward its
   * resting voltage over the first hour.
   */
  readings(ignition: boolean, v: number): { battery_v: number; coolant_c: number; rpm: number } {
    const s = this.spec;
    const r = this.random;
    const coolant_c = this.coolantC + r.gaussian(0, 0.2);
    if (!ignition) {
      const v0 = s.restV + (12.68 - s.restV) * Math.exp(-this.parkedS / 1200);
      return { battery_v: clamp(v0 + r.gaussian(0, 0.015), PARKED_V), coolant_c, rpm: 0 };
    }
    const charge = s.chargeV + (v < 0.5 ? -0.08 : 0);
    const rpm = v < 1.5 ? s.idleRpm : Math.max(s.idleRpm, this.inGear(v, this.gear));
    return {
      battery_v: clamp(charge + r.gaussian(0, 0.015), RUNNING_V),
      coolant_c,
      rpm: rpm + r.gaussian(0, 15),
    };
  }
}
