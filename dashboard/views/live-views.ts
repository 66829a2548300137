// Who gets which live event: legacy clients the whole fleet (latest_data, every reading), view clients only what they show. The one place that sends per client.
import type { Socket, Server as SocketServer } from 'socket.io';
import { type HealthMessage, type Reading, toPayload } from '../../core/contract.js';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
  ViewRequest,
} from '../../core/dashboard-contract.js';
import type { Logger } from '../../core/log.js';
import type { DeviceBoard } from '../device-board.js';
import type { ActiveAlarms } from './active-alarms.js';
import { FleetSnapshot } from './fleet-snapshot.js';
import { SparkRing } from './spark-ring.js';
import { parseView } from './view-schema.js';

type Io = SocketServer<ClientToServerEvents, ServerToClientEvents>;
type ClientSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** Clients that never sent `view`: they get what every client got before views existed. */
export const LEGACY_ROOM = 'legacy';
/** The room of a watched vehicle: its readings and health go there. */
export const vehicleRoom = (deviceId: string): string => `vehicle:${deviceId}`;
/** `view` answers sent at once per client and second; more wait for the next tick (a sort each). */
const IMMEDIATE_PER_S = 10;

export interface LiveViewsDeps {
  board: DeviceBoard;
  name: (deviceId: string) => string | null;
  alarms: ActiveAlarms;
  /** Valid live readings received so far (the live feed's counter). */
  readings: () => number;
  log: Logger;
  now: () => number;
}

interface ViewState {
  socket: ClientSocket;
  view: ViewRequest;
  /** Rows whose sparkline this client has (in its window at the last send). */
  sparked: Set<string>;
  windowStart: number;
  immediate: number;
}

export class LiveViews {
  private io: Io | undefined;
  private readonly views = new Map<string, ViewState>();
  private snapshot: FleetSnapshot | undefined;
  private readonly sparks = new SparkRing();
  private lastReadings = 0;
  private lastTickAt: number | undefined;
  private readingsPerS = 0;
  /** `view` events that were not a view (ignored). */
  rejected = 0;

  constructor(private readonly deps: LiveViewsDeps) {}

  get viewClients(): number {
    return this.views.size;
  }

  attach(io: Io): void {
    this.io = io;
  }

  /**
   * A new connection: legacy until it sends `view` (it gets the whole fleet now, as before views
   * existed), unless its handshake says `auth.view: true` (it will send a view: nothing until then).
   */
  connected(socket: ClientSocket): void {
    const auth = socket.handshake.auth as { view?: unknown } | undefined;
    if (auth?.view !== true) {
      void socket.join(LEGACY_ROOM);
      socket.emit('latest_data', this.deps.board.latestData(this.deps.now()));
      for (const health of this.deps.board.healths()) socket.emit('health', health);
    }
    socket.on('view', (input: unknown) => this.onView(socket, input));
    socket.on('disconnect', () => this.views.delete(socket.id));
  }

  /** Every signal present, as the payload the vehicle sent (plus position_flag when judged). */
  reading(r: Reading): void {
    this.io?.local.to([LEGACY_ROOM, vehicleRoom(r.device_id)]).emit('reading', toPayload(r));
  }

  /** Health of a vehicle: legacy clients and those watching it (the table shows status only). */
  health(h: HealthMessage): void {
    this.io?.local.to([LEGACY_ROOM, vehicleRoom(h.device_id)]).emit('health', h);
  }

  private onView(socket: ClientSocket, input: unknown): void {
    const view = parseView(input);
    if (!view) {
      this.rejected += 1;
      this.deps.log.debug({ socket: socket.id }, 'view ignored: invalid');
      return;
    }
    const now = this.deps.now();
    const state = this.views.get(socket.id) ?? {
      socket,
      view,
      sparked: new Set<string>(),
      windowStart: now,
      immediate: 0,
    };
    if (!this.views.has(socket.id) && socket.rooms.has(LEGACY_ROOM)) void socket.leave(LEGACY_ROOM);
    const before = new Set(this.views.has(socket.id) ? state.view.vehicles : []);
    for (const id of before) if (!view.vehicles.includes(id)) void socket.leave(vehicleRoom(id));
    for (const id of view.vehicles) {
      if (before.has(id)) continue;
      void socket.join(vehicleRoom(id));
      const h = this.deps.board.healthOf(id);
      if (h) socket.emit('health', h);
    }
    state.view = view;
    this.views.set(socket.id, state);
    if (now - state.windowStart >= 1000) {
      state.windowStart = now;
      state.immediate = 0;
    }
    if (state.immediate >= IMMEDIATE_PER_S) return;
    state.immediate += 1;
    const snapshot = this.snapshot ?? this.build(now);
    socket.emit('fleet_summary', snapshot.summary);
    this.sendRows(state, snapshot);
  }

  /** The client's window; rows new to it carry their last minute (spark). */
  private sendRows(state: ViewState, snapshot: FleetSnapshot): void {
    const body = snapshot.rowsBody(state.view.table, state.view.vehicles);
    const sparked = new Set<string>();
    body.rows = body.rows.map((row) => {
      sparked.add(row.device_id);
      return state.sparked.has(row.device_id)
        ? row
        : { ...row, spark: this.sparks.of(row.device_id) };
    });
    state.sparked = sparked;
    state.socket.emit('fleet_rows', body);
  }

  private build(now: number, rows = this.deps.board.liveRows(now)): FleetSnapshot {
    const { name, alarms } = this.deps;
    this.snapshot = new FleetSnapshot({
      rows,
      name,
      alarms: alarms.byDevice(),
      activeAlarms: alarms.total,
      readingsPerS: this.readingsPerS,
      now,
    });
    return this.snapshot;
  }

  /** Every second: latest_data to legacy clients (if any), then each view client its rows. */
  tick(): void {
    const io = this.io;
    if (!io) return;
    const now = this.deps.now();
    const readings = this.deps.readings();
    if (this.lastTickAt !== undefined && now > this.lastTickAt) {
      this.readingsPerS =
        Math.round(((readings - this.lastReadings) * 10_000) / (now - this.lastTickAt)) / 10;
    }
    this.lastReadings = readings;
    this.lastTickAt = now;
    // Sampled whether or not anyone watches: a page opened later shows the last minute at once.
    const rows = this.deps.board.liveRows(now);
    this.sparks.sample(rows);
    this.snapshot = undefined;
    // The whole fleet, built only when some connected client still asks for it.
    if ((io.of('/').adapter.rooms.get(LEGACY_ROOM)?.size ?? 0) > 0) {
      io.local.to(LEGACY_ROOM).emit('latest_data', this.deps.board.latestData(now));
    }
    if (this.views.size === 0) return;
    const snapshot = this.build(now, rows);
    for (const state of this.views.values()) {
      state.socket.emit('fleet_summary', snapshot.summary);
      this.sendRows(state, snapshot);
    }
  }

  stop(): void {
    this.views.clear();
    this.io = undefined;
  }
}
