// The page's Socket.IO connection: the connection indicator, the server clock (hello), retry after a refusal.
import { io, type Socket } from 'socket.io-client';
import {
  type ClientToServerEvents,
  LATE_AFTER_MS,
  type ServerToClientEvents,
} from '../../core/dashboard-contract.js';
import { byId } from './dom.js';
import { signInUrl } from './session.js';

export type PageSocket = Socket<ServerToClientEvents, ClientToServerEvents>;

/** After a refusal by the server (its per-address connection limit), try again this much later. */
const REFUSED_RETRY_MS = 30_000;

export class SocketLink {
  /** Server clock minus ours: lateness is judged on the server's clock, as the server sends it. */
  private clockOffset = 0;
  offlineAfterMs = 10_000;
  lateAfterMs = LATE_AFTER_MS;
  /** `auth.view`: this page sends `view`, so the server sends it no whole-fleet events at all. */
  readonly socket: PageSocket = io({ auth: { view: true } });
  private readonly connection = byId('connection');
  private connectedBefore = false;

  readonly now = (): number => Date.now() + this.clockOffset;

  /** `onConnect(again)`: again is true after a reconnect (reload what an outage may have missed). */
  start(onConnect: (again: boolean) => void): void {
    const { socket } = this;
    this.set('connecting');
    socket.on('connect', () => {
      this.set('connected');
      onConnect(this.connectedBefore);
      this.connectedBefore = true;
    });
    socket.on('disconnect', (reason) => {
      this.set('disconnected');
      // The server closed it: signed out elsewhere, or the account was disabled.
      if (reason === 'io server disconnect') location.assign(signInUrl());
    });
    socket.io.on('reconnect_attempt', () => this.set('connecting'));
    socket.on('connect_error', (err) => {
      // Transport errors are retried by Socket.IO itself (socket.active); a server refusal is not.
      if (socket.active) return;
      if (err.message === 'unauthorized') {
        location.assign(signInUrl());
        return;
      }
      this.set('disconnected');
      this.connection.textContent = `refused: ${err.message}`;
      setTimeout(() => socket.connect(), REFUSED_RETRY_MS);
    });
    socket.on('hello', (hello) => {
      this.clockOffset = Date.parse(hello.server_time) - Date.now();
      this.offlineAfterMs = hello.offline_after_s * 1000;
      this.lateAfterMs = hello.late_after_ms;
    });
  }

  private set(state: 'connecting' | 'connected' | 'disconnected'): void {
    this.connection.dataset.state = state;
    this.connection.textContent = state;
    document.body.dataset.connection = state;
  }
}
