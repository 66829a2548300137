// Vehicle → partition: a stable hash of the device id (FNV-1a, 32 bits), the same on every collector and every release.

/** FNV-1a over the UTF-16 code units: cheap, stable, and spreads sequential ids like vehicle_01.. evenly. */
export function partitionOf(deviceId: string, partitions: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < deviceId.length; i++) {
    h ^= deviceId.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % partitions;
}

/** The topics a vehicle publishes that a collector reads (its acks and commands are not read). */
export function vehicleTopics(deviceId: string): string[] {
  return ['speed', 'telemetry', 'status', 'dropped', 'health'].map(
    (kind) => `vehicles/${deviceId}/${kind}`,
  );
}
