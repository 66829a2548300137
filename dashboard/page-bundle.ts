// Compiles the page's TypeScript (dashboard/page/) into one browser module at start-up, with esbuild (tsx's own).
import { join } from 'node:path';
import { build, type Plugin } from 'esbuild';
import { projectRoot } from '../core/project-root.js';

/** The Socket.IO client as an ES module, served by server.ts from socket.io's own client-dist. */
export const SOCKET_IO_CLIENT_URL = '/vendor/socket.io/socket.io.esm.min.js';
/** Natural Earth's country outlines (TopoJSON, world-atlas): the offline basemap (MAP_TILE_URL=none). */
export const WORLD_OUTLINES_URL = '/vendor/world-atlas/countries-50m.json';

/**
 * The page imports `uplot` and `socket.io-client` by package name, so tsc checks it against their
 * types, but neither is inlined: the Socket.IO import becomes its URL, and `uplot` becomes the
 * global that /vendor/uplot/uPlot.iife.min.js defines (uPlot ships no minified ES module; the
 * minified script is a third of the size); `leaflet` likewise becomes the global `L` that
 * /vendor/leaflet/leaflet.js defines (its CSS refers to images beside it).
 */
const vendorLibraries: Plugin = {
  name: 'vendor-libraries',
  setup(b) {
    b.onResolve({ filter: /^socket\.io-client$/ }, () => ({
      path: SOCKET_IO_CLIENT_URL,
      external: true,
    }));
    b.onResolve({ filter: /^(uplot|leaflet)$/ }, (args) => ({
      path: args.path,
      namespace: 'vendor-global',
    }));
    b.onLoad({ filter: /.*/, namespace: 'vendor-global' }, (args) => ({
      contents: `export default globalThis.${args.path === 'leaflet' ? 'L' : 'uPlot'};`,
      loader: 'js',
    }));
  },
};

/**
 * Why at start-up and not a build step: there is no build step anywhere else in the project, and
 * esbuild takes ~50 ms for these few files. The page code is type-checked by `npm run check`.
 */
export async function buildPageBundle(): Promise<string> {
  const result = await build({
    entryPoints: [join(projectRoot(), 'dashboard', 'page', 'app.ts')],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    plugins: [vendorLibraries],
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('page bundle: esbuild produced no output');
  return file.text;
}
