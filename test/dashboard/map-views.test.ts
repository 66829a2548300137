// The live map's sender with fake timers: the first view is answered at once, then at most one `map` a second per client with what changed meanwhile, nothing when nothing changed, nothing after a disconnect.
import type { Socket } from 'socket.io';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ALL_VEHICLES } from '../../auth/access.js';
import { silentLogger } from '../../core/log.js';
import type { MapUpdate, MapViewRequest } from '../../core/map-wire.js';
import type { SocketAccess } from '../../dashboard/access/socket-access.js';
import { DeviceBoard } from '../../dashboard/device-board.js';
import { MapViews } from '../../dashboard/map/map-views.js';

class FakeSocket {
  readonly id = 'socket-1';
  readonly sent: Array<{ at: number; update: MapUpdate }> = [];
  private readonly handlers = new Map<string, (arg?: unknown) => void>();
  on(event: string, fn: (arg?: unknown) => void): void {
    this.handlers.set(event, fn);
  }
  emit(_event: 'map', update: MapUpdate): void {
    this.sent.push({ at: Date.now(), update });
  }
  fire(event: string, arg?: unknown): void {
    this.handlers.get(event)?.(arg);
  }
}

const VIEW: MapViewRequest = { bounds: [40, 0, 60, 20], zoom: 6 };
let board: DeviceBoard;
let views: MapViews;
let socket: FakeSocket;
let seq = 0;

const move = (id: string, lat: number): void => {
  seq += 1;
  board.onReading(
    {
      device_id: id,
      seq,
      timestamp: new Date().toISOString(),
      values: { lat, lon: 10, heading: 0 },
    },
    Date.now(),
  );
};
const tick = (): void => views.tick(board.liveRows(Date.now()), Date.now());

beforeEach(() => {
  vi.useFakeTimers({ now: 1_800_000_000_000 });
  board = new DeviceBoard(600_000);
  views = new MapViews({
    board,
    sockets: { principalOf: () => ({ access: ALL_VEHICLES }) } as unknown as SocketAccess,
    log: silentLogger(),
    now: () => Date.now(),
  });
  socket = new FakeSocket();
  views.connected(socket as unknown as Socket);
  move('a', 50);
  move('b', 51);
});

afterEach(() => {
  views.stop();
  vi.useRealTimers();
});

describe('map sends', () => {
  it('answers the first view at once, then at most once a second with only the changes', () => {
    socket.fire('map_view', VIEW);
    expect(socket.sent).toHaveLength(1);
    expect(socket.sent[0]?.update).toMatchObject({ kind: 'vehicles', reset: true, total: 2 });
    expect(socket.sent[0]?.update.extent).toEqual([50, 10, 51, 10]);
    // A new view and a move within the second: one send when the second is over.
    vi.advanceTimersByTime(100);
    move('a', 50.5);
    tick();
    socket.fire('map_view', { ...VIEW, zoom: 6.5 });
    expect(socket.sent).toHaveLength(1);
    vi.advanceTimersByTime(899);
    expect(socket.sent).toHaveLength(1);
    vi.advanceTimersByTime(1);
    expect(socket.sent).toHaveLength(2);
    expect(socket.sent[1]?.update).toEqual({
      kind: 'vehicles',
      zoom: 6.5,
      reset: false,
      vehicles: [['a', 5_050_000, 1_000_000, 0, 0]],
      gone: [],
      total: 2,
    });
    // Nothing changed: ticks send nothing.
    for (let i = 0; i < 3; i++) {
      vi.advanceTimersByTime(1000);
      tick();
    }
    expect(socket.sent).toHaveLength(2);
    // Moves every 100 ms and a tick every second: never two sends within a second.
    for (let i = 0; i < 50; i++) {
      vi.advanceTimersByTime(100);
      move('b', 51 + i / 100);
      if (i % 10 === 3) tick();
      if (i % 7 === 0) socket.fire('map_view', VIEW);
    }
    const at = socket.sent.map((s) => s.at);
    expect(at.length).toBeGreaterThan(4);
    for (let i = 1; i < at.length; i++)
      expect((at[i] ?? 0) - (at[i - 1] ?? 0)).toBeGreaterThanOrEqual(1000);
    // Gone after a disconnect: a pending send never happens.
    move('a', 52);
    tick();
    socket.fire('map_view', VIEW);
    const sent = socket.sent.length;
    socket.fire('disconnect');
    vi.advanceTimersByTime(5000);
    tick();
    expect(socket.sent).toHaveLength(sent);
    expect(views.size).toBe(0);
  });
});
