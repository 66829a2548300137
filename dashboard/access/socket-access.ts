// Who each Socket.IO connection is: checked at the handshake (else refused), and again every few seconds or at once after a change of users or groups.
import type { Socket, Server as SocketServer } from 'socket.io';
import type { Principal } from '../../auth/access.js';
import type { Auth } from '../../auth/auth.js';
import type { Credentials } from '../../auth/authenticator.js';
import type { ClientToServerEvents, ServerToClientEvents } from '../../core/dashboard-contract.js';
import type { Logger } from '../../core/log.js';
import { credentialsOf } from './request-identity.js';

type Io = SocketServer<ClientToServerEvents, ServerToClientEvents>;
type ClientSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** Sessions and tokens are re-checked this often (ticks) even when no user or group changed. */
const RECHECK_TICKS = 5;

interface Entry {
  principal: Principal;
  credentials: Credentials;
}

export class SocketAccess {
  private readonly entries = new Map<string, Entry>();
  private generation = -1;
  private ticks = 0;
  private running = false;

  constructor(private readonly deps: { auth: Auth; now: () => number; log: Logger }) {}

  /** Credentials of a handshake: its headers (cookie, Authorization, Access JWT) or `auth.token`. */
  private static credentials(socket: ClientSocket): Credentials {
    const c = credentialsOf(socket.request.headers);
    const token = (socket.handshake.auth as { token?: unknown } | undefined)?.token;
    return typeof token === 'string' && c.authorization === undefined
      ? { ...c, authorization: `Bearer ${token}` }
      : c;
  }

  /** Refuses a handshake without a valid identity (the page then signs in again). */
  attach(io: Io): void {
    io.use((socket, next) => {
      const credentials = SocketAccess.credentials(socket);
      this.deps.auth.identify.identify(credentials, this.deps.now()).then(
        (identity) => {
          if (identity.kind !== 'principal') {
            next(new Error(identity.kind === 'rejected' ? identity.reason : 'unauthorized'));
            return;
          }
          this.entries.set(socket.id, { principal: identity.principal, credentials });
          socket.on('disconnect', () => this.entries.delete(socket.id));
          next();
        },
        (err: unknown) => next(err instanceof Error ? err : new Error('unauthorized')),
      );
    });
  }

  principalOf(socket: ClientSocket): Principal | undefined {
    return this.entries.get(socket.id)?.principal;
  }

  /** The dashboard's tick: re-checks (below) without waiting; `changed` gets each connection whose rights moved. */
  tick(io: Io, changed: (socket: ClientSocket) => void): void {
    this.revalidate(io).then(
      (sockets) => {
        for (const socket of sockets) changed(socket);
      },
      (err: unknown) => this.deps.log.warn({ err }, 'live connections: rights check failed'),
    );
  }

  /**
   * Every tick: when users or groups changed (any instance), or every few seconds, each local
   * connection is identified again; one whose session, token or account is gone is closed, one
   * whose rights changed is reported so its rooms follow.
   */
  async revalidate(io: Io): Promise<ClientSocket[]> {
    const { auth } = this.deps;
    const generation = auth.directory.generation();
    this.ticks += 1;
    if (this.running) return [];
    if (generation === this.generation && this.ticks % RECHECK_TICKS !== 0) return [];
    this.generation = generation;
    this.running = true;
    try {
      return await this.recheck(io);
    } finally {
      this.running = false;
    }
  }

  private async recheck(io: Io): Promise<ClientSocket[]> {
    const { auth, now, log } = this.deps;
    const changed: ClientSocket[] = [];
    for (const socket of io.of('/').sockets.values()) {
      const entry = this.entries.get(socket.id);
      if (!entry) continue;
      const identity = await auth.identify.identify(entry.credentials, now());
      if (identity.kind !== 'principal') {
        log.info(
          { user: entry.principal.username },
          'live connection closed: signed out or disabled',
        );
        this.entries.delete(socket.id);
        socket.disconnect(true);
        continue;
      }
      const before = entry.principal;
      entry.principal = identity.principal;
      if (before.role !== identity.principal.role || before.access !== identity.principal.access) {
        changed.push(socket);
      }
    }
    return changed;
  }
}
