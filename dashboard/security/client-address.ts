// The client address rule shared by the rate limit and the socket limit: Express's req.ip (trust proxy), IPv6 by /56.
import type { IncomingMessage } from 'node:http';
import type { Express, Request } from 'express';
import { ipKeyGenerator } from 'express-rate-limit';

/**
 * express-rate-limit's own key (its default keyGenerator is exactly this on req.ip): an IPv4
 * address as is, an IPv6 address by its /56 network (one customer's allocation, which a client
 * can otherwise rotate through at will), an IPv4-mapped IPv6 address as IPv4.
 */
export const IPV6_SUBNET = 56;

export function addressKey(ip: string | undefined): string {
  return ip === undefined || ip === '' ? 'unknown' : ipKeyGenerator(ip, IPV6_SUBNET);
}

/**
 * For requests Express never sees (Socket.IO handshakes): the raw request read through the app's
 * request prototype, so `ip` applies the app's "trust proxy" setting exactly as it does for routes.
 */
export function rawRequestAddress(app: Express): (req: IncomingMessage) => string {
  return (req) => {
    const view = Object.create(app.request, {
      headers: { value: req.headers },
      socket: { value: req.socket },
    }) as Request;
    return addressKey(view.ip);
  };
}
