// Queue drain: one device reconnecting with a 10,000-reading backlog; rate of broker PUBACKs until all are in.
import { join } from 'node:path';
import { loadConfig } from '../core/config.js';
import { encodeReading } from '../core/contract.js';
import { silentLogger } from '../core/log.js';
import { createDevice } from '../devices/create-device.js';
import { openSqliteQueue } from '../devices/offline-queue.js';
import { MosquittoProcess } from '../harness/mosquitto.js';
import { sleep } from '../harness/wait.js';

export interface QueueDrainRun {
  msgsPerS: number;
}

export async function queueDrainRun(dir: string, o: { backlog: number }): Promise<QueueDrainRun> {
  const queueDir = join(dir, 'queues');
  const deviceId = 'drain_01';
  // The backlog a device builds while offline: o.backlog readings, one a second.
  const queue = openSqliteQueue({ dir: queueDir, deviceId, capacity: o.backlog });
  const start = Date.now() - o.backlog * 1000;
  for (let i = 0; i < o.backlog; i++) {
    const timestamp = new Date(start + i * 1000).toISOString();
    queue.append((seq) => encodeReading({ device_id: deviceId, seq, timestamp, speed: 50 }));
  }
  queue.close();

  const broker = new MosquittoProcess({ dir: join(dir, 'mosquitto') });
  await broker.start();
  const config = loadConfig(
    {},
    { MQTT_BROKER_HOST: '127.0.0.1', MQTT_BROKER_PORT: String(broker.port), QUEUE_DIR: queueDir },
  );
  const device = createDevice(config, deviceId, silentLogger(), { limit: 0 });
  try {
    await device.start();
    let connectedAt = 0;
    for (;;) {
      const s = device.stats();
      if (!connectedAt && s.connected) connectedAt = performance.now();
      if (s.acknowledged >= o.backlog) break;
      await sleep(1);
    }
    return { msgsPerS: o.backlog / ((performance.now() - connectedAt) / 1000) };
  } finally {
    await device.stop();
    await broker.stop();
  }
}
