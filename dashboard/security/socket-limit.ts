// Per-address cap on concurrent Socket.IO connections (the rate limit's address rule); the extra one gets a clear connect_error.
import type { IncomingMessage } from 'node:http';
import type { Server as SocketServer } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../core/dashboard-contract.js';
import type { Logger } from '../../core/log.js';

type Io = SocketServer<ClientToServerEvents, ServerToClientEvents>;
/** What this class uses of an engine.io connection. */
interface Transport {
  request: IncomingMessage;
  once(event: 'close', listener: () => void): unknown;
}
type AllowRequest = (
  req: IncomingMessage,
  callback: (err: string | null | undefined, success: boolean) => void,
) => void;

const increment = (counts: Map<string, number>, key: string): void => {
  counts.set(key, (counts.get(key) ?? 0) + 1);
};
const decrement = (counts: Map<string, number>, key: string): void => {
  const n = (counts.get(key) ?? 0) - 1;
  if (n > 0) counts.set(key, n);
  else counts.delete(key);
};

/**
 * Two counts per address. Joined sockets (the page's one connection) are capped at `max`: the
 * next one is refused by a Socket.IO middleware, so the client gets `connect_error` with this
 * message (and socket.io-client then closes that transport itself). Open engine.io transports,
 * which a hostile client could open without ever joining (each lives until Socket.IO's
 * connectTimeout), are capped at twice that in `allowRequest`: a plain 403 before any session.
 */
export class SocketLimit {
  private readonly joined = new Map<string, number>();
  private readonly transports = new Map<string, number>();
  private readonly keys = new WeakMap<IncomingMessage, string>();
  readonly message: string;

  constructor(
    private readonly max: number,
    private readonly addressOf: (req: IncomingMessage) => string,
    private readonly log: Logger,
  ) {
    this.message = `too many connections from this address (at most ${max})`;
  }

  private key(req: IncomingMessage): string {
    let key = this.keys.get(req);
    if (key === undefined) {
      key = this.addressOf(req);
      this.keys.set(req, key);
    }
    return key;
  }

  /** engine.io's `allowRequest` (handshakes only). */
  readonly allowRequest: AllowRequest = (req, callback) => {
    const open = this.transports.get(this.key(req)) ?? 0;
    if (open >= 2 * this.max) callback(this.message, false);
    else callback(null, true);
  };

  attach(io: Io): void {
    io.engine.on('connection', (conn: Transport) => {
      const key = this.key(conn.request);
      increment(this.transports, key);
      conn.once('close', () => decrement(this.transports, key));
    });
    io.use((socket, next) => {
      const key = this.key(socket.request);
      if ((this.joined.get(key) ?? 0) >= this.max) {
        this.log.debug({ address: key, max: this.max }, 'socket refused: per-address limit');
        next(new Error(this.message));
        return;
      }
      increment(this.joined, key);
      socket.once('disconnect', () => decrement(this.joined, key));
      next();
    });
  }

  /** Joined sockets of an address key (tests, logs). */
  joinedBy(key: string): number {
    return this.joined.get(key) ?? 0;
  }
}
