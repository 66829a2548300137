// The Express app: JSON routes, the page and its vendored libraries, security headers, one error handler.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import express, { type Express, type RequestHandler } from 'express';
import type { Logger } from '../core/log.js';
import { errorHandler, notFoundHandler } from './errors.js';
import type { RouteDeps } from './routes/deps.js';
import { deviceRoutes } from './routes/devices.js';
import { healthRoutes } from './routes/health.js';
import { historyRoutes } from './routes/history.js';

export interface AppDeps extends RouteDeps {
  log: Logger;
  /** The compiled page module (see page-bundle.ts). */
  pageScript: string;
}

const PUBLIC_DIR = fileURLToPath(new URL('./public/', import.meta.url));
const UPLOT_DIST = join(
  dirname(createRequire(import.meta.url).resolve('uplot/package.json')),
  'dist',
);

/** Everything the page needs comes from this origin; data never becomes markup or script. */
const securityHeaders: RequestHandler = (_req, res, next) => {
  res.set({
    'Content-Security-Policy': [
      "default-src 'self'",
      "script-src 'self'",
      // uPlot positions its elements with inline styles.
      "style-src 'self' 'unsafe-inline'",
      "img-src 'self' data:",
      "connect-src 'self'",
      "object-src 'none'",
      "base-uri 'none'",
      "frame-ancestors 'none'",
    ].join('; '),
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
  });
  next();
};

export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders);
  app.use(healthRoutes(deps), deviceRoutes(deps), historyRoutes(deps));
  app.use('/api', notFoundHandler);

  app.get('/app.js', (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'no-cache').send(deps.pageScript);
  });
  // Only the two files the page uses, straight from node_modules/uplot/dist.
  for (const file of ['uPlot.iife.min.js', 'uPlot.min.css']) {
    app.get(`/vendor/uplot/${file}`, (_req, res, next) => {
      res.sendFile(join(UPLOT_DIST, file), (err) => err && next(err));
    });
  }
  app.use(express.static(PUBLIC_DIR, { index: 'index.html' }));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}
