// Every people-and-permissions route: session, users, groups, tokens, audit.
import type { ApiRouter } from '../api/api-router.js';
import { auditRoutes } from './audit-routes.js';
import type { PeopleDeps } from './deps.js';
import { groupRoutes } from './group-routes.js';
import { sessionRoutes } from './session-routes.js';
import { tokenRoutes } from './token-routes.js';
import { userRoutes } from './user-routes.js';

export function peopleRoutes(api: ApiRouter, deps: PeopleDeps): void {
  sessionRoutes(api, deps);
  userRoutes(api, deps);
  groupRoutes(api, deps);
  tokenRoutes(api, deps);
  auditRoutes(api, deps);
}
