// The Express app: security layers (headers, CORS, rate limit, who is asking, write guard), JSON routes, /metrics, the pages and their libraries, one error handler.
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import express, { type Express, type RequestHandler } from 'express';
import type { Registry } from 'prom-client';
import type { Auth } from '../auth/auth.js';
import { DEVICE_ID_PATTERN } from '../core/contract.js';
import type { Logger } from '../core/log.js';
import { projectRoot } from '../core/project-root.js';
import { pageGate, signedInWrites } from './access/page-gate.js';
import { requestIdentity } from './access/request-identity.js';
import type { AlarmsView } from './alarms/alarm-follower.js';
import { ApiRouter } from './api/api-router.js';
import { openApiRoutes, SWAGGER_UI_URL } from './api/openapi-routes.js';
import { errorHandler, InvalidParameterError, NotFoundError, notFoundHandler } from './errors.js';
import { SOCKET_IO_CLIENT_URL, WORLD_OUTLINES_URL } from './page-bundle.js';
import { peopleRoutes } from './people/routes.js';
import { alarmRoutes } from './routes/alarms.js';
import { commandRoutes } from './routes/commands.js';
import type { RouteDeps } from './routes/deps.js';
import { deviceRoutes } from './routes/devices.js';
import { geoReportRoutes } from './routes/geo-reports.js';
import { geoVehicleRoutes } from './routes/geo-vehicle.js';
import { geofenceRoutes } from './routes/geofences.js';
import { healthRoutes } from './routes/health.js';
import { historyRoutes } from './routes/history.js';
import { ingestRoutes } from './routes/ingest.js';
import { metricsRoutes } from './routes/metrics.js';
import { readingsRoutes } from './routes/readings.js';
import { registryRoutes } from './routes/registry.js';
import { signalRoutes } from './routes/signals.js';
import { corsForReads, READ_METHODS } from './security/cors.js';
import type { SecuritySettings } from './security/settings.js';
import { writeGuard } from './security/write-guard.js';

export interface AppDeps extends RouteDeps {
  log: Logger;
  /** The compiled page module (see page-bundle.ts). */
  pageScript: string;
  security: SecuritySettings;
  /** helmet, shared with Socket.IO's transport (see security/headers.ts). */
  headers: RequestHandler;
  /** The per-address limit (see security/rate-limit.ts). */
  rateLimit: RequestHandler;
  /** What GET /metrics serves. */
  metrics: Registry;
  /** The alarms as the dashboard knows them, and acknowledging one (alarms/alarm-follower.ts). */
  alarms: AlarmsView;
  /** People and permissions (the auth folder), started. */
  auth: Auth;
}

const require = createRequire(import.meta.url);
const PUBLIC_DIR = join(projectRoot(), 'dashboard', 'public');
const UPLOT_DIST = join(dirname(require.resolve('uplot/package.json')), 'dist');
/**
 * The client build shipped inside the server package (always the server's own version), served
 * by Express rather than by Socket.IO (`serveClient`) so it gets the same headers as every file.
 */
const SOCKET_IO_DIST = join(dirname(require.resolve('socket.io/package.json')), 'client-dist');
const SWAGGER_UI_DIST = dirname(require.resolve('swagger-ui-dist/package.json'));
/** Leaflet's script, styles and their images (the maps), and Natural Earth's outlines (MAP_TILE_URL=none). */
const LEAFLET_DIST = join(dirname(require.resolve('leaflet/package.json')), 'dist');
const WORLD_ATLAS = dirname(require.resolve('world-atlas/package.json'));
/** JSON bodies, after the guard, up to this size unless a route's spec asks for more (bodyLimit). */
export const BODY_LIMIT = '16kb';

export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.security.trustProxy);
  app.use(deps.headers);
  app.use('/api', corsForReads(deps.security.corsOrigins));
  app.use(deps.rateLimit);
  const { auth } = deps;
  app.use(requestIdentity(auth, deps.now));
  const api = new ApiRouter((entry) => auth.audit.record(entry));
  let publicWrites: Set<string> | undefined;
  app.use(
    auth.mode === 'none'
      ? writeGuard(deps.security.apiToken)
      : signedInWrites(() => {
          publicWrites ??= new Set(
            api
              .list()
              .filter((s) => s.access.role === 'public' && s.method !== 'get')
              .map((s) => `${s.method.toUpperCase()} ${s.path}`),
          );
          return publicWrites;
        }),
  );
  const json = express.json({ limit: BODY_LIMIT });
  /** Parsers of routes whose spec allows a larger body, by path pattern (filled below). */
  const larger: Array<[RegExp, RequestHandler]> = [];
  app.use((req, res, next) =>
    READ_METHODS.has(req.method)
      ? next()
      : (larger.find(([path]) => path.test(req.path))?.[1] ?? json)(req, res, next),
  );

  healthRoutes(api, deps);
  // Before the registry's /api/devices/:id, so /api/devices/status keeps its own Allow header.
  deviceRoutes(api, deps);
  registryRoutes(api, deps);
  historyRoutes(api, deps);
  metricsRoutes(api, deps);
  commandRoutes(api, deps);
  alarmRoutes(api, deps.alarms);
  signalRoutes(api, deps);
  readingsRoutes(api, deps);
  ingestRoutes(api, deps);
  geoVehicleRoutes(api, deps);
  geoReportRoutes(api, deps);
  geofenceRoutes(api, deps);
  peopleRoutes(api, { auth, now: deps.now });
  openApiRoutes(api, { version: deps.version });
  for (const spec of api.list()) {
    if (spec.bodyLimit) {
      const path = new RegExp(`^${spec.path.replace(/:\w+/g, '[^/]+')}$`);
      larger.push([path, bodyParser(spec)]);
    }
  }
  app.use(api.finish());
  app.use('/api', notFoundHandler);

  app.use(pageGate(auth.mode));
  app.get('/login', (_req, res, next) => {
    res.set('Cache-Control', 'no-store');
    res.sendFile(join(PUBLIC_DIR, 'login.html'), (err) => err && next(err));
  });
  for (const page of ['admin', 'account', 'reports']) {
    app.get(`/${page}`, (_req, res, next) => {
      res.set('Cache-Control', 'no-cache');
      res.sendFile(join(PUBLIC_DIR, `${page}.html`), (err) => err && next(err));
    });
  }
  app.get('/app.js', (_req, res) => {
    res.type('text/javascript').set('Cache-Control', 'no-cache').send(deps.pageScript);
  });
  // Only the files the page uses, straight from node_modules.
  const vendor: Array<[string, string]> = [
    ['/vendor/uplot/uPlot.iife.min.js', join(UPLOT_DIST, 'uPlot.iife.min.js')],
    ['/vendor/uplot/uPlot.min.css', join(UPLOT_DIST, 'uPlot.min.css')],
    [SOCKET_IO_CLIENT_URL, join(SOCKET_IO_DIST, 'socket.io.esm.min.js')],
    // The API docs page (/api/docs).
    [`${SWAGGER_UI_URL}/swagger-ui.css`, join(SWAGGER_UI_DIST, 'swagger-ui.css')],
    [`${SWAGGER_UI_URL}/swagger-ui-bundle.js`, join(SWAGGER_UI_DIST, 'swagger-ui-bundle.js')],
    [WORLD_OUTLINES_URL, join(WORLD_ATLAS, 'countries-50m.json')],
  ];
  app.use(
    '/vendor/leaflet',
    express.static(LEAFLET_DIST, { index: false, fallthrough: false, dotfiles: 'deny' }),
  );
  for (const [path, file] of vendor) {
    app.get(path, (_req, res, next) => {
      res.sendFile(file, (err) => err && next(err));
    });
  }
  // A vehicle's page: the same bundle (vehicle.html says which page); an id that cannot be one is
  // a 404 that does not repeat it. A well-formed unknown id gets the page, which says so.
  app.get('/vehicles/:id', (req, res, next) => {
    if (!DEVICE_ID_PATTERN.test(req.params.id)) {
      next(new NotFoundError('no such vehicle page'));
      return;
    }
    res.set('Cache-Control', 'no-cache');
    res.sendFile(join(PUBLIC_DIR, 'vehicle.html'), (err) => err && next(err));
  });
  app.use(express.static(PUBLIC_DIR, { index: 'index.html' }));
  app.use(notFoundHandler);
  app.use(errorHandler(deps.log));
  return app;
}

/** The spec's JSON parser; a body over its limit is a 400 with the spec's reason when it gives one. */
function bodyParser(spec: { bodyLimit?: string; bodyTooLarge?: string }): RequestHandler {
  const parse = express.json({ limit: spec.bodyLimit });
  const reason = spec.bodyTooLarge;
  if (reason === undefined) return parse;
  return (req, res, next) =>
    parse(req, res, (err?: unknown) => {
      const tooLarge = (err as { status?: unknown } | undefined)?.status === 413;
      next(tooLarge ? new InvalidParameterError(reason) : err);
    });
}
