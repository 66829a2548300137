// Security headers (helmet) for every response, the page's Content-Security-Policy included.
import helmet from 'helmet';

/**
 * The page loads only its own module (/app.js), uPlot and the Socket.IO client, all from this
 * server; device data never becomes markup or script. Differences from helmet's defaults:
 * - no `upgrade-insecure-requests`: on a LAN the dashboard is plain http://host:5000, and that
 *   directive would make the browser fetch /app.js over https and fail (Cloudflare terminates TLS
 *   in front of it when it is public);
 * - `style-src 'unsafe-inline'` only because uPlot positions its elements with inline styles;
 * - nothing may frame the page (`frame-ancestors 'none'`, X-Frame-Options DENY), nothing is sent
 *   as a form or a Referer.
 * - images also from the map's tile host (MAP_TILE_URL), none with `MAP_TILE_URL=none`.
 * HSTS stays on: browsers ignore it over http and keep it for the Cloudflare https hostname.
 */
export function securityHeaders(tileUrl: string | null = null) {
  const tileHost = tileUrl === null ? [] : [tileSource(tileUrl)];
  return helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        scriptSrcAttr: ["'none'"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        imgSrc: ["'self'", 'data:', ...tileHost],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
  });
}

/** The CSP source of a tile template's host: `https://{s}.tile.example.org/…` → `https://*.tile.example.org`. */
export function tileSource(tileUrl: string): string {
  const host = /^https?:\/\/[^/]+/.exec(tileUrl)?.[0] ?? tileUrl;
  return host.replace(/\{[a-z]+\}/g, '*');
}
