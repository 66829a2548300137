import { describe, expect, it } from 'vitest';
import { validateShape } from '../../geo/geofence-shape.js';
import { findCrossing } from '../../geo/segments.js';

const square = (x: number, y: number, s: number): [number, number][] => [
  [x, y],
  [x + s, y],
  [x + s, y + s],
  [x, y + s],
  [x, y],
];

const reason = (shape: unknown) => {
  const r = validateShape(shape);
  return r.ok ? 'ok' : r.reason;
};

describe('geofence shapes', () => {
  it('accepts a circle and a polygon with a hole, normalised', () => {
    expect(validateShape({ type: 'circle', center: [13.4, 52.5], radius_m: 150 })).toEqual({
      ok: true,
      shape: { type: 'circle', center: [13.4, 52.5], radius_m: 150 },
    });
    const r = validateShape({
      type: 'Polygon',
      coordinates: [
        [
          [13, 52, 30],
          [13.1, 52],
          [13.1, 52],
          [13.1, 52.1],
          [13, 52.1],
          [13, 52, 30],
        ],
        square(13.02, 52.02, 0.02),
      ],
    });
    expect(r.ok && r.shape.type === 'Polygon' && r.shape.coordinates[0]).toEqual(
      square(13, 52, 0.1),
    );
  });

  it.each([
    [null, 'shape must be an object'],
    [{ type: 'Point', coordinates: [0, 0] }, 'shape.type must be "circle" or "Polygon"'],
    [{ type: 'circle', center: [13.4, 52.5], radius_m: 0 }, 'radius_m must be greater than 0'],
    [{ type: 'circle', center: [13.4, 52.5], radius_m: -5 }, 'radius_m must be greater than 0'],
    [{ type: 'circle', center: [13.4, 52.5], radius_m: 1e9 }, 'radius_m is above 100000 m'],
    [{ type: 'circle', center: [13.4, 52.5], radius_m: '150' }, 'radius_m is not a number'],
    [{ type: 'circle', center: [13.4, 52.5], radius_m: Number.NaN }, 'radius_m is not finite'],
    [
      { type: 'circle', center: [13.4, 52.5], radius_m: Number.POSITIVE_INFINITY },
      'radius_m is not finite',
    ],
    [{ type: 'circle', center: [200, 52.5], radius_m: 10 }, 'center: longitude out of range'],
    [{ type: 'circle', center: [13, -91], radius_m: 10 }, 'center: latitude out of range'],
    [
      { type: 'circle', center: [13, Number.NaN], radius_m: 10 },
      'center has a coordinate that is not finite',
    ],
    [
      { type: 'circle', center: ['13', 52], radius_m: 10 },
      'center has a coordinate that is not a number',
    ],
    [{ type: 'circle', center: [13], radius_m: 10 }, 'center is not a [lon, lat] position'],
    [{ type: 'Polygon', coordinates: [] }, 'coordinates must be a non-empty array of rings'],
    [{ type: 'Polygon', coordinates: 'x' }, 'coordinates must be a non-empty array of rings'],
    [
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [0, 0],
          ],
        ],
      },
      'outer ring has fewer than 4 positions',
    ],
    [
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 1],
          ],
        ],
      },
      'outer ring is not closed (its last position must equal its first)',
    ],
    [
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, 1],
            [0, 1],
            [0, 0.0001],
          ],
        ],
      },
      'outer ring is not closed (its last position must equal its first)',
    ],
    [
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [2, 0],
            [0, 0],
          ],
        ],
      },
      'outer ring has no area',
    ],
    [
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, 0],
            [0, 0],
            [0, 0],
          ],
        ],
      },
      'outer ring has fewer than 3 distinct vertices',
    ],
    [
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [2, 2],
            [2, 0],
            [0, 1],
            [0, 0],
          ],
        ],
      },
      /^outer ring intersects itself near \[[\d.]+, [\d.]+\]$/,
    ],
    [
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [2, 0],
            [1, 0],
            [1, 1],
            [0, 0],
          ],
        ],
      },
      'outer ring intersects itself near [2, 0]',
    ],
    [
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [Number.NaN, 1],
            [0, 1],
            [0, 0],
          ],
        ],
      },
      'outer ring position 2 has a coordinate that is not finite',
    ],
    [
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, 95],
            [0, 1],
            [0, 0],
          ],
        ],
      },
      'outer ring position 2: latitude out of range',
    ],
    [
      {
        type: 'Polygon',
        coordinates: [
          [
            [0, 0],
            [1, 0],
            [1, null],
            [0, 1],
            [0, 0],
          ],
        ],
      },
      'outer ring position 2 has a coordinate that is not a number',
    ],
    [
      {
        type: 'Polygon',
        coordinates: [
          [
            [179, 0],
            [-179, 0],
            [-179, 1],
            [179, 1],
            [179, 0],
          ],
        ],
      },
      'outer ring crosses the antimeridian at position 1 (split the zone in two)',
    ],
    [
      { type: 'Polygon', coordinates: [square(0, 0, 1), square(2, 2, 0.5)] },
      'hole 1 is outside the outer ring',
    ],
    [
      { type: 'Polygon', coordinates: [square(0, 0, 1), square(0.5, 0.5, 1)] },
      /^outer ring and hole 1 cross near \[[\d.]+, [\d.]+\]$/,
    ],
    [
      { type: 'Polygon', coordinates: [square(0, 0, 10), square(1, 1, 5), square(2, 2, 1)] },
      'hole 2 lies inside hole 1',
    ],
  ])('refuses %j: %s', (shape, why) => {
    if (why instanceof RegExp) expect(reason(shape)).toMatch(why);
    else expect(reason(shape)).toBe(why);
  });

  it('refuses more than 10,000 vertices and checks a legal 10,000-vertex ring', () => {
    const circle = (n: number): [number, number][] => {
      const ring: [number, number][] = [];
      for (let i = 0; i < n; i++) {
        const a = (2 * Math.PI * i) / n;
        ring.push([13 + 0.1 * Math.cos(a), 52 + 0.1 * Math.sin(a)]);
      }
      ring.push(ring[0] as [number, number]);
      return ring;
    };
    expect(reason({ type: 'Polygon', coordinates: [circle(10_000)] })).toBe(
      'polygon has 10001 positions, more than 10000',
    );
    expect(reason({ type: 'Polygon', coordinates: [circle(9_999)] })).toBe('ok');
    // A star whose spikes cross: found, whichever pair it meets first.
    const star = circle(9_999).map(([x, y], i): [number, number] =>
      i % 2 ? [13 + (x - 13) * 0.1, 52 + (y - 52) * 0.1] : [x, y],
    );
    star[5] = [12.85, 52];
    star[star.length - 1] = star[0] as [number, number];
    expect(reason({ type: 'Polygon', coordinates: [star] })).toMatch(
      /outer ring intersects itself/,
    );
  });

  it('gives up on a polygon too costly to check, with a reason', () => {
    const ring: [number, number][] = [];
    for (let i = 0; i < 200; i++) ring.push([i % 2 ? 0 : 10, i * 0.001]);
    ring.push(ring[0] as [number, number]);
    expect(findCrossing([ring], 10)?.kind).toBe('budget');
  });
});
