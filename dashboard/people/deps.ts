// What the people-and-permissions routes use: the auth folder's parts, the clock and the cookie setting.
import type { Auth } from '../../auth/auth.js';

export interface PeopleDeps {
  auth: Auth;
  now: () => number;
}
