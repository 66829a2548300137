// The dashboard's effective security settings, logged once at start (the token as "bearer token" or "refused", never itself).
import type { AuthMode } from '../../core/config-auth.js';
import type { Logger } from '../../core/log.js';
import type { SecuritySettings } from './settings.js';

export function logSecuritySettings(log: Logger, s: SecuritySettings, mode: AuthMode): void {
  const legacy = s.apiToken === undefined ? '' : ' or DASHBOARD_API_TOKEN';
  log.info(
    {
      auth: mode,
      writes:
        mode !== 'none'
          ? `by role: a session or personal token${legacy}`
          : s.apiToken === undefined
            ? 'refused (no DASHBOARD_API_TOKEN)'
            : 'bearer token',
      corsOrigins: s.corsOrigins === '*' ? '*' : [...s.corsOrigins],
      rateLimitPerMin: s.rateLimitPerMin,
      maxSocketsPerIp: s.maxSocketsPerIp,
      trustProxy: s.trustProxy,
    },
    'dashboard security',
  );
  if (s.trustProxy === true) {
    log.warn(
      'DASHBOARD_TRUST_PROXY=true believes every X-Forwarded-For hop: any client can pick its own address and escape the rate and socket limits; name the proxy instead (loopback, an address, or a hop count)',
    );
  }
}
