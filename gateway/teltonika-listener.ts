// The Teltonika TCP input (TELTONIKA_PORT): IMEI handshake answered 0x01/0x00, AVL packets decoded and answered with their record count once durable, hostile or idle connections closed.
import { type AddressInfo, createServer, type Server, type Socket } from 'node:net';
import type { Logger } from '../core/log.js';
import type { SignalCatalog } from '../core/signals/catalog.js';
import type { DeviceDirectory } from './directory.js';
import type { Fix } from './fix.js';
import type { Intake } from './intake.js';
import { AvlError, decodeAvl } from './teltonika/avl.js';
import { TeltonikaFramer } from './teltonika/framing.js';
import { customIoSignals, recordValues } from './teltonika/io-map.js';

export interface TeltonikaTimeouts {
  /** From connect to a complete IMEI. */
  handshakeMs: number;
  /** A packet started must be complete within this (a slow sender is cut off). */
  frameMs: number;
  /** No byte at all for this long: the connection is closed (trackers reconnect). */
  idleMs: number;
}

export const DEFAULT_TIMEOUTS: TeltonikaTimeouts = {
  handshakeMs: 15_000,
  frameMs: 30_000,
  // Teltonika's own "open link timeout" defaults to 300 s; a little more than that.
  idleMs: 330_000,
};

const MAX_CONNECTIONS = 50_000;
/** Wait at most this long for the registry (IMEI → device id) before answering a handshake. */
const REGISTRY_WAIT_MS = 5000;

export interface TeltonikaListenerOptions {
  host: string;
  port: number;
  intake: Intake;
  directory: DeviceDirectory;
  catalog: SignalCatalog;
  log: Logger;
  timeouts?: Partial<TeltonikaTimeouts>;
}

export interface TeltonikaCounters {
  connections: number;
  open: number;
  handshakes: { accepted: number; refused: number };
  packets: number;
  records: number;
  badCrc: number;
  /** Connections closed for a framing or decoding error, by code. */
  closedFor: Record<string, number>;
}

export class TeltonikaListener {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();
  private readonly timeouts: TeltonikaTimeouts;
  private readonly customIo;
  readonly counters: TeltonikaCounters = {
    connections: 0,
    open: 0,
    handshakes: { accepted: 0, refused: 0 },
    packets: 0,
    records: 0,
    badCrc: 0,
    closedFor: {},
  };

  constructor(private readonly options: TeltonikaListenerOptions) {
    this.timeouts = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    this.customIo = customIoSignals(options.catalog);
  }

  get port(): number {
    return (this.server?.address() as AddressInfo | null)?.port ?? 0;
  }

  async start(): Promise<void> {
    const server = createServer((socket) => this.serve(socket));
    server.maxConnections = MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.options.port, this.options.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    this.server = server;
  }

  private close(socket: Socket, code: string, detail?: string): void {
    this.counters.closedFor[code] = (this.counters.closedFor[code] ?? 0) + 1;
    this.options.log.debug(
      { remote: socket.remoteAddress, code, detail },
      'teltonika connection closed',
    );
    socket.destroy();
  }

  private serve(socket: Socket): void {
    const { log } = this.options;
    this.counters.connections += 1;
    this.counters.open += 1;
    this.sockets.add(socket);
    socket.setNoDelay(true);
    const framer = new TeltonikaFramer();
    let deviceId: string | undefined;
    /** Packets are answered in order, one at a time (a tracker waits for each answer). */
    let chain: Promise<void> = Promise.resolve();
    /**
     * One deadline at a time: the handshake from connect, then each packet from its first byte.
     * Never pushed back by further bytes, so a sender trickling a byte now and then is cut off.
     */
    let deadline: NodeJS.Timeout | undefined;
    const arm = (ms: number, code: string) => {
      deadline = setTimeout(() => this.close(socket, code), ms);
      deadline.unref();
    };
    const disarm = () => {
      clearTimeout(deadline);
      deadline = undefined;
    };
    arm(this.timeouts.handshakeMs, 'handshake_timeout');
    const then = (work: () => Promise<void>) => {
      chain = chain.then(work).catch((err: unknown) => {
        log.error({ err, device: deviceId }, 'teltonika packet failed; closing');
        this.close(socket, 'internal');
      });
    };
    socket.setTimeout(this.timeouts.idleMs, () => this.close(socket, 'idle'));
    socket.on('close', () => {
      disarm();
      this.counters.open -= 1;
      this.sockets.delete(socket);
    });
    socket.on('error', (err) => log.debug({ err: err.message }, 'teltonika socket error'));
    socket.on('data', (chunk: Buffer) => {
      for (const event of framer.push(chunk)) {
        switch (event.kind) {
          case 'error':
            this.close(socket, event.code, event.message);
            return;
          case 'imei':
            disarm();
            // Nothing more is read until the handshake is answered.
            socket.pause();
            then(async () => {
              deviceId = await this.handshake(socket, event.imei);
              if (deviceId !== undefined) socket.resume();
            });
            break;
          case 'ping':
            break;
          case 'bad_crc':
            // Not acknowledged: the tracker sends the packet again.
            this.counters.badCrc += 1;
            log.info({ device: deviceId, ...event }, 'teltonika packet with a bad CRC ignored');
            break;
          case 'avl':
            then(() => this.packet(socket, deviceId, event.data));
            break;
        }
      }
      if (socket.destroyed || !framer.handshaken) return;
      if (framer.buffered === 0) disarm();
      else if (deadline === undefined) arm(this.timeouts.frameMs, 'frame_timeout');
    });
  }

  /** Answers 0x01 with the device id, or 0x00 (and closes) when the device is refused. */
  private async handshake(socket: Socket, imei: string): Promise<string | undefined> {
    const { directory, intake } = this.options;
    await directory.whenReady(REGISTRY_WAIT_MS);
    if (socket.destroyed) return undefined;
    const deviceId = directory.deviceIdOfImei(imei);
    const refused = intake.admit(deviceId, 'teltonika');
    if (refused && !refused.ok && refused.status === 503) {
      // The registry is not known yet (allow-list): no answer, the tracker reconnects later.
      this.close(socket, 'registry_unknown');
      return undefined;
    }
    if (refused) {
      this.counters.handshakes.refused += 1;
      this.options.log.info(
        { imei, device: deviceId, reason: refused.ok ? '' : refused.reason },
        'teltonika handshake refused',
      );
      socket.end(Buffer.from([0x00]));
      return undefined;
    }
    this.counters.handshakes.accepted += 1;
    socket.write(Buffer.from([0x01]));
    return deviceId;
  }

  private async packet(socket: Socket, deviceId: string | undefined, data: Buffer): Promise<void> {
    if (deviceId === undefined || socket.destroyed) return;
    let records: ReturnType<typeof decodeAvl>['records'];
    try {
      records = decodeAvl(data).records;
    } catch (err) {
      if (err instanceof AvlError) {
        this.close(socket, err.code, err.message);
        return;
      }
      throw err;
    }
    this.counters.packets += 1;
    this.counters.records += records.length;
    const fixes: Fix[] = records.map((r) => ({
      fixMs: r.timestampMs,
      values: recordValues(r, this.customIo),
    }));
    const result = await this.options.intake.accept('teltonika', deviceId, fixes);
    if (socket.destroyed) return;
    if (!result.ok) {
      // Not answered: the tracker keeps the records and sends them again.
      this.options.log.warn(
        { device: deviceId, reason: result.reason },
        'teltonika records not taken',
      );
      if (result.status === 403) this.close(socket, 'refused');
      return;
    }
    const answer = Buffer.alloc(4);
    answer.writeUInt32BE(records.length, 0);
    socket.write(answer);
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const s of this.sockets) s.destroy();
    await closed;
  }
}
