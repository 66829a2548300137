// Which devices a collector of several may write on InfluxDB: every one until a claim, then only its valid claims'.
import { describe, expect, it } from 'vitest';
import { InfluxClaims } from '../../../core/store/influx-claims.js';

describe('InfluxClaims', () => {
  it('lets every device through until the first claim (one collector: nothing changes)', () => {
    const c = new InfluxClaims();
    expect(c.active).toBe(false);
    expect(c.writable('v1')).toBe(true);
    expect(c.refused(['v1', 'v2'])).toBeUndefined();
  });

  it('then only the devices of a claim whose lease is still valid', () => {
    const c = new InfluxClaims();
    let valid = true;
    c.set(
      'p0',
      (id) => id.endsWith('0'),
      () => valid,
    );
    c.set(
      'p1',
      (id) => id.endsWith('1'),
      () => true,
    );
    expect(c.writable('v0')).toBe(true);
    expect(c.writable('v2')).toBe(false); // nobody's here
    expect(c.refused(['v1', 'v0', 'v1'])).toBeUndefined();
    valid = false; // the lease ran out: its devices are refused at once
    expect(c.refused(['v1', 'v0'])).toBe('v0');
    expect(c.remove('p1')?.('v1')).toBe(true);
    expect(c.writable('v1')).toBe(false);
    expect(c.has('p1')).toBe(false);
    expect(c.active).toBe(true);
  });

  it("knows which devices another claim still selects (a late disown keeps its successor's state)", () => {
    const c = new InfluxClaims();
    c.set(
      'p0:old',
      (id) => id === 'v0',
      () => false,
    );
    c.set(
      'p0:new',
      (id) => id === 'v0',
      () => true,
    );
    expect(c.writable('v0')).toBe(true); // the successor writes before the old claim is gone
    c.remove('p0:old');
    expect(c.claimed('v0')).toBe(true);
    expect(c.writable('v0')).toBe(true);
    c.remove('p0:new');
    expect(c.claimed('v0')).toBe(false);
  });

  it('refuses hostile device ids that no claim selects', () => {
    const c = new InfluxClaims();
    c.set(
      'p0',
      (id) => id === 'v0',
      () => true,
    );
    expect(c.refused(['"\'<script>', 'x'.repeat(5000)])).toBe('"\'<script>');
  });
});
