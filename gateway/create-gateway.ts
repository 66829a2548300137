// Composition of the gateway: queue file, numbering (local, or Redis with REDIS_URL), registry follower, uplink session, intake, and the inputs the config turns on.
import { join } from 'node:path';
import type { Config } from '../core/config.js';
import type { Logger } from '../core/log.js';
import { MqttSession } from '../core/mqtt-session.js';
import type { SignalCatalog } from '../core/signals/catalog.js';
import { RegistryFollower } from '../registry/follower.js';
import { DeviceDirectory } from './directory.js';
import { Gateway } from './gateway.js';
import { Intake } from './intake.js';
import { OsmandListener, type OsmandTimeouts } from './osmand-listener.js';
import { OwnTracksListener } from './owntracks-listener.js';
import { FixQueue, SEEN_PER_DEVICE } from './queue/fix-queue.js';
import { GroupCommit } from './queue/group-commit.js';
import { LocalNumbering, type Numbering, RedisNumbering } from './queue/numbering.js';
import { RedisSeqService } from './queue/redis-seq-service.js';
import { BACKSTOP_PAGES, WalCheckpointer } from './queue/wal-checkpointer.js';
import { TeltonikaListener, type TeltonikaTimeouts } from './teltonika-listener.js';
import { Uplink } from './uplink.js';

/** How often the queue's WAL is checkpointed (at 1,000 fixes/s it grows ~2 MB a second). */
const CHECKPOINT_EVERY_MS = 1000;

export interface CreateGatewayOptions {
  /** The signal catalog in force (SIGNALS_FILE); default: the built-in signals. */
  catalog?: SignalCatalog;
  now?: () => number;
  teltonikaTimeouts?: Partial<TeltonikaTimeouts>;
  osmandTimeouts?: Partial<OsmandTimeouts>;
  /** Longest a new device waits for its retained ack when the probe does not come back. */
  ackWaitMs?: number;
}

export function createGateway(
  config: Config,
  log: Logger,
  options: CreateGatewayOptions = {},
): Gateway {
  const g = config.gateway;
  const now = options.now ?? Date.now;
  const catalog = options.catalog ?? config.signals;
  // One gateway (no REDIS_URL): a fix gets its seq as it arrives, in the same commit.
  const queuePath = join(g.queueDir, 'gateway.db');
  const queue = new FixQueue(queuePath, {
    numberOnArrival: !config.redisUrl,
    walAutocheckpoint: BACKSTOP_PAGES,
  });
  const services: Array<{ start(): Promise<void>; stop(): Promise<void> }> = [];
  // Started once the queue file is open (services start after it), stopped before it closes.
  const checkpoints = new WalCheckpointer(queuePath, CHECKPOINT_EVERY_MS, (m) => log.warn(m));
  services.push({ start: async () => checkpoints.start(), stop: () => checkpoints.stop() });
  let numbering: Numbering;
  if (config.redisUrl) {
    const service = new RedisSeqService({
      url: config.redisUrl,
      seenPerDevice: SEEN_PER_DEVICE,
      log: log.child({ component: 'seq-service' }),
    });
    services.push(service);
    numbering = new RedisNumbering(queue, service, g.id);
  } else numbering = new LocalNumbering(queue);
  const registry = new RegistryFollower(log.child({ component: 'registry' }));
  const directory = new DeviceDirectory(registry, config.deviceAllowlist);
  const session = new MqttSession({ mqtt: config.mqtt, clientId: g.id, clean: false, log });
  const uplink = new Uplink({
    session,
    queue,
    numbering,
    registry,
    now,
    log,
    resendAfterMs: config.delivery.resendAfterMs,
    gatewayId: g.id,
    ...(options.ackWaitMs === undefined ? {} : { ackWaitMs: options.ackWaitMs }),
  });
  const commit = new GroupCommit(queue, (ids) => uplink.queued(ids));
  const intake = new Intake({
    queue,
    commit,
    directory,
    catalog,
    capacity: config.devices.queueMax,
    now,
    log,
    crashBeforeAnswer: config.devices.fault === 'gateway-crash-before-answer',
  });
  const host = g.host;
  return new Gateway({
    queue,
    numbering,
    services,
    uplink,
    intake,
    registry,
    log,
    ...(g.osmandPort === undefined
      ? {}
      : {
          osmand: new OsmandListener({
            host,
            port: g.osmandPort,
            intake,
            catalog,
            now,
            log: log.child({ input: 'osmand' }),
            ...(options.osmandTimeouts ? { timeouts: options.osmandTimeouts } : {}),
          }),
        }),
    ...(g.teltonikaPort === undefined
      ? {}
      : {
          teltonika: new TeltonikaListener({
            host,
            port: g.teltonikaPort,
            intake,
            directory,
            catalog,
            log: log.child({ input: 'teltonika' }),
            ...(options.teltonikaTimeouts ? { timeouts: options.teltonikaTimeouts } : {}),
          }),
        }),
    ...(g.ownTracks
      ? {
          ownTracks: new OwnTracksListener(
            new MqttSession({
              mqtt: config.mqtt,
              clientId: `${g.id}-owntracks`,
              clean: false,
              log,
            }),
            intake,
            log.child({ input: 'owntracks' }),
          ),
        }
      : {}),
  });
}
