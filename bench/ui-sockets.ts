// The UI benchmark's socket side: bytes per second one client receives, as the page (a view) or as a legacy client.
import { io, type Socket } from 'socket.io-client';
import type {
  ClientToServerEvents,
  ServerToClientEvents,
  ViewRequest,
} from '../core/dashboard-contract.js';
import { fleetIds } from '../devices/create-device.js';

type Client = Socket<ServerToClientEvents, ClientToServerEvents>;

/** What the overview page asks for at 1280×900: ~40 table rows and a page of 12 charts. */
export function pageView(vehicles: number, offset = 0): ViewRequest {
  return {
    table: { sort: 'id', order: 'asc', text: '', status: 'all', alarm: false, offset, limit: 40 },
    vehicles: fleetIds('vehicle_', Math.min(vehicles, 12)),
  };
}

export async function connectClient(base: string, view: ViewRequest | undefined): Promise<Client> {
  const client: Client = io(base, {
    transports: ['websocket'],
    reconnection: false,
    // As the page does: a client that will send views gets no whole-fleet events meanwhile.
    ...(view ? { auth: { view: true } } : {}),
  });
  await new Promise<void>((resolve, reject) => {
    client.once('connect', () => resolve());
    client.once('connect_error', reject);
  });
  if (view) client.emit('view', view);
  return client;
}

/**
 * Bytes of Engine.IO packets (the WebSocket frames' payloads) one client receives per second over
 * `seconds`, after a second to settle. `view` undefined: a legacy client.
 */
export async function socketBytesPerS(
  base: string,
  view: ViewRequest | undefined,
  seconds: number,
): Promise<number> {
  const client = await connectClient(base, view);
  let bytes = 0;
  client.io.engine.on('packet', (packet: { data?: unknown }) => {
    const d = packet.data;
    bytes +=
      typeof d === 'string' ? Buffer.byteLength(d) : d instanceof ArrayBuffer ? d.byteLength : 0;
  });
  await new Promise((r) => setTimeout(r, 2000));
  bytes = 0;
  const started = performance.now();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const elapsed = (performance.now() - started) / 1000;
  client.close();
  return bytes / elapsed;
}
