// The firmware string simulated vehicles report in their health: the package version, bundled in at build time.
import pkg from '../package.json' with { type: 'json' };

export const FIRMWARE = `sim-${pkg.version}`;
