// Compiles the page's TypeScript (dashboard/page/) into one browser module at start-up, with esbuild (tsx's own).
import { fileURLToPath } from 'node:url';
import { build, type Plugin } from 'esbuild';

/** Where the page loads its libraries: served by our server from node_modules (no CDN). */
export const VENDOR_URLS = {
  uplot: '/vendor/uplot/uPlot.esm.js',
  'socket.io-client': '/socket.io/socket.io.esm.min.js',
} as const;

/**
 * The page imports `uplot` and `socket.io-client` by package name, so tsc checks it against their
 * types; in the bundle those imports become the URLs above instead of being inlined.
 */
const vendorAsUrls: Plugin = {
  name: 'vendor-urls',
  setup(b) {
    b.onResolve({ filter: /^(uplot|socket\.io-client)$/ }, (args) => ({
      path: VENDOR_URLS[args.path as keyof typeof VENDOR_URLS],
      external: true,
    }));
  },
};

/**
 * Why at start-up and not a build step: there is no build step anywhere else in the project, and
 * esbuild takes ~50 ms for these few files. The page code is type-checked by `npm run check`.
 */
export async function buildPageBundle(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL('./page/app.ts', import.meta.url))],
    bundle: true,
    write: false,
    format: 'esm',
    target: 'es2022',
    platform: 'browser',
    plugins: [vendorAsUrls],
    logLevel: 'silent',
  });
  const file = result.outputFiles[0];
  if (!file) throw new Error('page bundle: esbuild produced no output');
  return file.text;
}
