// Web Mercator pixels (as Leaflet's EPSG:3857 with 256-pixel tiles): degrees to world pixels at a zoom and back, for grids drawn on screen.

const RAD = Math.PI / 180;
/** Web Mercator's latitude limit (Leaflet's SphericalMercator.MAX_LATITUDE). */
export const MAX_MERCATOR_LAT = 85.0511287798;

/** The world's width in pixels at a zoom (fractional zooms scale continuously). */
export const worldPx = (zoom: number): number => 256 * 2 ** zoom;

/** World pixel of a point at `zoom`: x grows east from lon -180, y grows south from the top. */
export function toPx(lat: number, lon: number, zoom: number): { x: number; y: number } {
  const size = worldPx(zoom);
  const clamped = Math.max(-MAX_MERCATOR_LAT, Math.min(MAX_MERCATOR_LAT, lat));
  const s = Math.sin(clamped * RAD);
  return {
    x: size * (0.5 + lon / 360),
    y: size * (0.5 - Math.log((1 + s) / (1 - s)) / (4 * Math.PI)),
  };
}

/** The point of a world pixel at `zoom` (inverse of toPx). */
export function fromPx(x: number, y: number, zoom: number): { lat: number; lon: number } {
  const size = worldPx(zoom);
  const n = Math.PI * (1 - (2 * y) / size);
  return { lat: Math.atan(Math.sinh(n)) / RAD, lon: (x / size - 0.5) * 360 };
}
