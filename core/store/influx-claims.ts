// Several collectors on one InfluxDB: which devices this process may write now (the partitions whose leases it holds).

interface Claim {
  owns: (deviceId: string) => boolean;
  valid: () => boolean;
}

/**
 * Why the store checks it and not only the collector: writes and rollup flushes are queued inside
 * the store, so one queued before a lease ran out could otherwise go out after it. Checked right
 * before raw points, rollups or checkpoints of a device are sent. With no claim ever made (one
 * collector, the default) every device is writable and nothing changes.
 */
export class InfluxClaims {
  private readonly claims = new Map<string, Claim>();
  private partitioned = false;

  /** True once a claim was made: the store loads claimed devices only, never every device. */
  get active(): boolean {
    return this.partitioned;
  }

  set(key: string, owns: Claim['owns'], valid: Claim['valid']): void {
    this.partitioned = true;
    this.claims.set(key, { owns, valid });
  }

  /** The claim's selector (to forget its devices), removed. */
  remove(key: string): Claim['owns'] | undefined {
    const c = this.claims.get(key);
    this.claims.delete(key);
    return c?.owns;
  }

  /** Some claim (valid or not) selects the device. */
  claimed(deviceId: string): boolean {
    for (const c of this.claims.values()) if (c.owns(deviceId)) return true;
    return false;
  }

  has(key: string): boolean {
    return this.claims.has(key);
  }

  /** Selected by a claim whose lease holds (a fenced predecessor not yet disowned does not count). */
  writable(deviceId: string): boolean {
    if (!this.partitioned) return true;
    for (const c of this.claims.values()) if (c.owns(deviceId) && c.valid()) return true;
    return false;
  }

  /** The first device of a batch this process may not write, if any (one check per device). */
  refused(deviceIds: Iterable<string>): string | undefined {
    if (!this.partitioned) return undefined;
    const seen = new Set<string>();
    for (const id of deviceIds) {
      if (seen.has(id)) continue;
      seen.add(id);
      if (!this.writable(id)) return id;
    }
    return undefined;
  }
}
