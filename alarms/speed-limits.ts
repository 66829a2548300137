// What threshold rules need of the device registry: a vehicle's speed limit, if it has one.

/** All the alarm engine needs of a registry; undefined: use the rule's default. */
export interface SpeedLimits {
  limitFor(deviceId: string): number | undefined;
}
