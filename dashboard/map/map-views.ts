// The live map's push: each client's viewport (`map_view`, validated), and at most once a second per client what changed in it (`map`), only of the vehicles that user may see.
import type { Socket } from 'socket.io';
import type { ClientToServerEvents, ServerToClientEvents } from '../../core/dashboard-contract.js';
import type { Logger } from '../../core/log.js';
import { MAP_SEND_PERIOD_MS, type MapViewRequest } from '../../core/map-wire.js';
import type { SocketAccess } from '../access/socket-access.js';
import type { DeviceBoard, LiveRow } from '../device-board.js';
import {
  buildFrame,
  DEFAULT_FRAME_OPTIONS,
  diffFrames,
  type Frame,
  type FrameOptions,
} from './map-frame.js';
import { parseMapView } from './map-view-schema.js';

type ClientSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

export interface MapViewsDeps {
  board: DeviceBoard;
  /** Who each connection is (its vehicle access, checked again at every send). */
  sockets: SocketAccess;
  log: Logger;
  now: () => number;
  frame?: FrameOptions;
}

interface MapClient {
  socket: ClientSocket;
  view: MapViewRequest;
  /** What this client was last sent (its map shows exactly this). */
  frame: Frame | undefined;
  sentAt: number;
  timer: NodeJS.Timeout | undefined;
  /** The extent went out (the page fits its first view to it). */
  extentSent: boolean;
}

const NONE = (): boolean => false;
const ANY = (): boolean => true;

/**
 * Per client, not per room: each view is its own rectangle and zoom, so there is nothing to share
 * between clients but the tick's rows (the live board's, read once a second). A send costs one pass
 * over the fleet (10,000 vehicles: about a millisecond), at most once a second per map client.
 */
export class MapViews {
  private readonly clients = new Map<string, MapClient>();
  private rows: LiveRow[] | undefined;
  private rowsAt = Number.NEGATIVE_INFINITY;
  /** `map_view` events that were not a viewport (ignored). */
  rejected = 0;

  constructor(private readonly deps: MapViewsDeps) {}

  /** Clients that sent a viewport. */
  get size(): number {
    return this.clients.size;
  }

  connected(socket: ClientSocket): void {
    socket.on('map_view', (input: unknown) => this.onView(socket, input));
    socket.on('disconnect', () => {
      const c = this.clients.get(socket.id);
      clearTimeout(c?.timer);
      this.clients.delete(socket.id);
    });
  }

  private onView(socket: ClientSocket, input: unknown): void {
    const view = parseMapView(input);
    if (!view) {
      this.rejected += 1;
      this.deps.log.debug({ socket: socket.id }, 'map_view ignored: invalid');
      return;
    }
    const c = this.clients.get(socket.id);
    if (c) c.view = view;
    else {
      this.clients.set(socket.id, {
        socket,
        view,
        frame: undefined,
        sentAt: Number.NEGATIVE_INFINITY,
        timer: undefined,
        extentSent: false,
      });
    }
    this.schedule(this.clients.get(socket.id) as MapClient);
  }

  /** Every second, with the tick's rows: each map client's changes (now, or when its period ends). */
  tick(rows: LiveRow[], now: number): void {
    this.rows = rows;
    this.rowsAt = now;
    for (const c of this.clients.values()) this.schedule(c);
  }

  /** Sends now if the client's period is over, else once it is (one timer per client at most). */
  private schedule(c: MapClient): void {
    if (c.timer !== undefined) return;
    const wait = c.sentAt + MAP_SEND_PERIOD_MS - this.deps.now();
    if (wait <= 0) {
      this.send(c);
      return;
    }
    c.timer = setTimeout(() => {
      c.timer = undefined;
      if (this.clients.get(c.socket.id) === c) this.send(c);
    }, wait);
  }

  /** The live board's rows: the tick's, or read now when there was no tick within a period. */
  private rowsNow(now: number): LiveRow[] {
    if (this.rows === undefined || now - this.rowsAt > MAP_SEND_PERIOD_MS) {
      this.rows = this.deps.board.liveRows(now);
      this.rowsAt = now;
    }
    return this.rows;
  }

  private send(c: MapClient): void {
    const now = this.deps.now();
    const access = this.deps.sockets.principalOf(c.socket)?.access;
    const canSee = !access ? NONE : access.all ? ANY : (id: string) => access.canSee(id);
    const frame = buildFrame(
      this.rowsNow(now),
      c.view,
      canSee,
      this.deps.frame ?? DEFAULT_FRAME_OPTIONS,
    );
    let update = diffFrames(c.frame, frame);
    c.frame = frame;
    if (!c.extentSent && frame.extent !== null) {
      update ??= {
        kind: frame.kind,
        zoom: frame.zoom,
        reset: false,
        gone: [],
        total: frame.total,
      };
      update.extent = frame.extent;
      c.extentSent = true;
    }
    if (!update) return;
    c.sentAt = now;
    c.socket.emit('map', update);
  }

  stop(): void {
    for (const c of this.clients.values()) clearTimeout(c.timer);
    this.clients.clear();
  }
}
