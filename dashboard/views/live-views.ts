// Who gets which live event: legacy clients the whole fleet (latest_data, every reading), view clients only what they show, each only the vehicles it may see. The one place that sends per client.
import type { Socket, Server as SocketServer } from 'socket.io';
import { type VehicleAccess, vehiclesIn } from '../../auth/access.js';
import { type HealthMessage, type Reading, toPayload } from '../../core/contract.js';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
  ViewRequest,
} from '../../core/dashboard-contract.js';
import type { Logger } from '../../core/log.js';
import { ALL_ROOM, type LiveAudience, legacy } from '../access/live-audience.js';
import type { SocketAccess } from '../access/socket-access.js';
import type { DeviceBoard } from '../device-board.js';
import { MapViews } from '../map/map-views.js';
import type { ActiveAlarms } from './active-alarms.js';
import { FleetSnapshot } from './fleet-snapshot.js';
import { SparkRing } from './spark-ring.js';
import { parseView } from './view-schema.js';

type Io = SocketServer<ClientToServerEvents, ServerToClientEvents>;
type ClientSocket = Socket<ClientToServerEvents, ServerToClientEvents>;

/** Clients that never sent `view` and see every vehicle: what every client got before views existed. */
export const LEGACY_ROOM = legacy(ALL_ROOM);
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
  /** Who each connection is (its vehicle access). */
  sockets: SocketAccess;
  /** The rooms a vehicle's events go to. */
  audience: LiveAudience;
}

const NOTHING: VehicleAccess = vehiclesIn(new Set());
/** A snapshot per distinct set of visible vehicles (`all`, or a user's groups). */
const scopeKey = (access: VehicleAccess, groups: readonly string[]): string =>
  access.all ? '*' : [...groups].sort().join('\n');

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
  /** Legacy clients that see only some vehicles: their latest_data is filtered one by one. */
  private readonly partialLegacy = new Map<string, ClientSocket>();
  /** This tick's snapshots, by scope. */
  private snapshots = new Map<string, FleetSnapshot>();
  private rows: ReturnType<DeviceBoard['liveRows']> | undefined;
  private readonly sparks = new SparkRing();
  private lastReadings = 0;
  private lastTickAt: number | undefined;
  private readingsPerS = 0;
  /** `view` events that were not a view (ignored). */
  rejected = 0;
  /** The live map's clients (`map_view`, `map`). */
  readonly map: MapViews;

  constructor(private readonly deps: LiveViewsDeps) {
    this.map = new MapViews(deps);
  }

  get viewClients(): number {
    return this.views.size;
  }

  attach(io: Io): void {
    this.io = io;
  }

  private accessOf(socket: ClientSocket): { access: VehicleAccess; groups: readonly string[] } {
    const p = this.deps.sockets.principalOf(socket);
    return p ? { access: p.access, groups: p.groups } : { access: NOTHING, groups: [] };
  }

  private isLegacy(socket: ClientSocket): boolean {
    return !this.views.has(socket.id) && (socket.data as { legacy?: boolean }).legacy === true;
  }

  /** Joins the rooms of the vehicles the connection may see (again after its rights changed). */
  private joinScope(socket: ClientSocket): void {
    const { access, groups } = this.accessOf(socket);
    for (const room of socket.rooms) {
      if (room.startsWith('see:') || room.startsWith('legacy:')) void socket.leave(room);
    }
    const rooms = this.deps.audience.roomsFor(access, groups);
    void socket.join(rooms);
    if (this.isLegacy(socket)) {
      void socket.join(rooms.map(legacy));
      if (access.all) this.partialLegacy.delete(socket.id);
      else this.partialLegacy.set(socket.id, socket);
    }
  }

  /**
   * A new connection: legacy until it sends `view` (it gets the whole fleet it may see now, as
   * before views existed), unless its handshake says `auth.view: true` (it will send a view:
   * nothing until then).
   */
  connected(socket: ClientSocket): void {
    const auth = socket.handshake.auth as { view?: unknown } | undefined;
    (socket.data as { legacy?: boolean }).legacy = auth?.view !== true;
    this.joinScope(socket);
    if (auth?.view !== true) {
      const { access } = this.accessOf(socket);
      socket.emit('latest_data', this.latestFor(access));
      for (const health of this.deps.board.healths()) {
        if (access.canSee(health.device_id)) socket.emit('health', health);
      }
    }
    socket.on('view', (input: unknown) => this.onView(socket, input));
    this.map.connected(socket);
    socket.on('disconnect', () => {
      this.views.delete(socket.id);
      this.partialLegacy.delete(socket.id);
    });
  }

  /** A connection's rights changed (user or group edited): rooms, watched vehicles and rows follow. */
  rightsChanged(socket: ClientSocket): void {
    const { access } = this.accessOf(socket);
    this.joinScope(socket);
    const state = this.views.get(socket.id);
    if (!state) return;
    const kept = state.view.vehicles.filter((id) => access.canSee(id));
    for (const id of state.view.vehicles)
      if (!kept.includes(id)) void socket.leave(vehicleRoom(id));
    state.view = { ...state.view, vehicles: kept };
    state.sparked.clear();
  }

  private latestFor(access: VehicleAccess) {
    const all = this.deps.board.latestData(this.deps.now());
    if (access.all) return all;
    return Object.fromEntries(Object.entries(all).filter(([id]) => access.canSee(id)));
  }

  /** Legacy clients that may see the vehicle, and those watching it (a watch is checked when joined). */
  private roomsOf(deviceId: string): string[] {
    return [...this.deps.audience.roomsOf(deviceId).map(legacy), vehicleRoom(deviceId)];
  }

  /** Every signal present, as the payload the vehicle sent (plus position_flag when judged). */
  reading(r: Reading): void {
    this.io?.local.to(this.roomsOf(r.device_id)).emit('reading', toPayload(r));
  }

  /** Health of a vehicle: legacy clients and those watching it (the table shows status only). */
  health(h: HealthMessage): void {
    this.io?.local.to(this.roomsOf(h.device_id)).emit('health', h);
  }

  private onView(socket: ClientSocket, input: unknown): void {
    const view = parseView(input);
    if (!view) {
      this.rejected += 1;
      this.deps.log.debug({ socket: socket.id }, 'view ignored: invalid');
      return;
    }
    const { access } = this.accessOf(socket);
    // Vehicles outside the caller's groups are dropped from the view, as if they did not exist.
    view.vehicles = view.vehicles.filter((id) => access.canSee(id));
    const now = this.deps.now();
    const state = this.views.get(socket.id) ?? {
      socket,
      view,
      sparked: new Set<string>(),
      windowStart: now,
      immediate: 0,
    };
    if (!this.views.has(socket.id)) {
      for (const room of socket.rooms) if (room.startsWith('legacy:')) void socket.leave(room);
      this.partialLegacy.delete(socket.id);
    }
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
    const snapshot = this.snapshotFor(socket, now);
    socket.emit('fleet_summary', snapshot.summary);
    this.sendRows(state, snapshot);
  }

  /** This tick's snapshot of the vehicles a connection may see (built once per scope and tick). */
  private snapshotFor(socket: ClientSocket, now: number): FleetSnapshot {
    const { access, groups } = this.accessOf(socket);
    const key = scopeKey(access, groups);
    const cached = this.snapshots.get(key);
    if (cached) return cached;
    const rows = this.rows ?? this.deps.board.liveRows(now);
    const snapshot = this.build(
      now,
      access,
      access.all ? rows : access.filter(rows, (r) => r.deviceId),
    );
    this.snapshots.set(key, snapshot);
    return snapshot;
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

  private build(now: number, access: VehicleAccess, rows: ReturnType<DeviceBoard['liveRows']>) {
    const { name, alarms } = this.deps;
    const byDevice = alarms.byDevice();
    let activeAlarms = alarms.total;
    if (!access.all) {
      // Only the alarms of vehicles it may see (fleet-wide ones are for those who see all).
      activeAlarms = 0;
      for (const [id, n] of byDevice) if (access.canSee(id)) activeAlarms += n;
    }
    return new FleetSnapshot({
      rows,
      name,
      alarms: byDevice,
      activeAlarms,
      readingsPerS: this.readingsPerS,
      now,
    });
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
    this.rows = rows;
    this.snapshots.clear();
    this.map.tick(rows, now);
    // The whole fleet, built only when some connected client still asks for it.
    if ((io.of('/').adapter.rooms.get(LEGACY_ROOM)?.size ?? 0) > 0) {
      io.local.to(LEGACY_ROOM).emit('latest_data', this.deps.board.latestData(now));
    }
    for (const socket of this.partialLegacy.values()) {
      socket.emit('latest_data', this.latestFor(this.accessOf(socket).access));
    }
    for (const state of this.views.values()) {
      const snapshot = this.snapshotFor(state.socket, now);
      state.socket.emit('fleet_summary', snapshot.summary);
      this.sendRows(state, snapshot);
    }
  }

  stop(): void {
    this.map.stop();
    this.views.clear();
    this.partialLegacy.clear();
    this.io = undefined;
  }
}
