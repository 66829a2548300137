import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../core/config.js';

describe('simulator settings', () => {
  it('defaults: Berlin-Mitte, a reading a minute parked, 1 bad fix in 2000', () => {
    expect(loadConfig({}).sim).toEqual({
      center: { lat: 52.52, lon: 13.405 },
      parkedIntervalS: 60,
      badFixRate: 0.0005,
    });
  });

  it('SIM_CENTER is lat,lon in decimal degrees (spaces allowed); anything else is one named line', () => {
    expect(loadConfig({ SIM_CENTER: ' 48.137, 11.575 ' }).sim.center).toEqual({
      lat: 48.137,
      lon: 11.575,
    });
    expect(loadConfig({ SIM_CENTER: '-33.8688,151.2093' }).sim.center).toEqual({
      lat: -33.8688,
      lon: 151.2093,
    });
    for (const bad of [
      '52.52',
      '52.52,13.4,34',
      '52.52;13.4',
      'berlin',
      '91,0',
      '0,181',
      '1e1,2',
    ]) {
      try {
        loadConfig({ SIM_CENTER: bad });
        expect.unreachable(bad);
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        expect((err as ConfigError).lines).toEqual([
          `SIM_CENTER=${JSON.stringify(bad)}: must be lat,lon in decimal degrees (|lat| <= 85, |lon| <= 180), e.g. 52.52,13.405`,
        ]);
      }
    }
  });

  it('PARKED_INTERVAL_S 1–3600 whole seconds, SIM_BAD_FIX_RATE 0–1', () => {
    expect(loadConfig({ PARKED_INTERVAL_S: '300', SIM_BAD_FIX_RATE: '0' }).sim).toMatchObject({
      parkedIntervalS: 300,
      badFixRate: 0,
    });
    try {
      loadConfig({ PARKED_INTERVAL_S: '0.5', SIM_BAD_FIX_RATE: '1.5' });
      expect.unreachable();
    } catch (err) {
      const lines = (err as ConfigError).lines;
      expect(lines).toHaveLength(2);
      expect(lines[0]).toMatch(/^PARKED_INTERVAL_S="0.5": /);
      expect(lines[1]).toMatch(/^SIM_BAD_FIX_RATE="1.5": .*<=\s*1/);
    }
  });
});
