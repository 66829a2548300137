// The alarm engine's per-vehicle speed limits, read from the collector's registry follower.
import type { SpeedLimits } from '../alarms/speed-limits.js';
import type { RegistryFollower } from './follower.js';

export function speedLimitsOf(registry: RegistryFollower): SpeedLimits {
  return { limitFor: (deviceId) => registry.lookup(deviceId)?.speed_limit_kmh ?? undefined };
}
