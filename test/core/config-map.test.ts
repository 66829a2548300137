// MAP_TILE_URL: OpenStreetMap's tiles by default, `none` for the offline basemap, a tile template otherwise; the CSP source of its host.
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, OSM_TILE_URL } from '../../core/config.js';
import { tileSource } from '../../dashboard/security/headers.js';

describe('MAP_TILE_URL', () => {
  it('defaults to OpenStreetMap; none is null; a template is kept as given', () => {
    expect(loadConfig({}).dashboard.mapTileUrl).toBe(OSM_TILE_URL);
    expect(loadConfig({ MAP_TILE_URL: 'none' }).dashboard.mapTileUrl).toBeNull();
    const own = 'https://{s}.tiles.example.org/osm/{z}/{x}/{y}@2x.png';
    expect(loadConfig({ MAP_TILE_URL: own }).dashboard.mapTileUrl).toBe(own);
  });

  it('anything but none or an http(s) template with {z}, {x} and {y} is one named line', () => {
    for (const bad of [
      'tile.openstreetmap.org/{z}/{x}/{y}.png',
      'ftp://tiles.example.org/{z}/{x}/{y}.png',
      'https://tiles.example.org/{z}/{x}.png',
      'javascript:alert(1)//{z}{x}{y}',
      'https:// bad host/{z}/{x}/{y}',
    ]) {
      let error: unknown;
      try {
        loadConfig({ MAP_TILE_URL: bad });
      } catch (e) {
        error = e;
      }
      expect(error, bad).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).lines.join('\n')).toMatch(/MAP_TILE_URL/);
    }
  });

  it("the page's img-src gets the tile host, subdomain placeholders as a wildcard", () => {
    expect(tileSource(OSM_TILE_URL)).toBe('https://tile.openstreetmap.org');
    expect(tileSource('https://{s}.tiles.example.org/{z}/{x}/{y}.png')).toBe(
      'https://*.tiles.example.org',
    );
    expect(tileSource('http://10.0.0.5:8080/tiles/{z}/{x}/{y}.png')).toBe('http://10.0.0.5:8080');
  });
});
