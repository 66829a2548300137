// When a vehicle's next reading is due: after a parked one (ignition off) within PARKED_INTERVAL_S, after any other at its usual interval. The dashboard's status and the no_data alarm judge silence from then.

/**
 * Silence to expect after a reading beyond the vehicle's usual interval, ms. A reading with
 * `ignition: false` says the vehicle is parked and reports only every PARKED_INTERVAL_S (the
 * simulator does, and so do most trackers); any other reading (ignition on, or no ignition at
 * all: a speed-only payload, a phone) announces nothing, and silence counts from it as before.
 */
export function quietAfterMs(ignition: unknown, parkedIntervalMs: number): number {
  return ignition === false ? parkedIntervalMs : 0;
}
