// A dashboard showing content in every state the pages style (vehicles online, warning, offline and late; alarms of each severity, open and acknowledged; commands that succeeded and timed out), and the list of pages it serves.
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Express } from 'express';
import type { Config } from '../../core/config.js';
import type { AlarmMessage } from '../../core/contract.js';
import { silentLogger } from '../../core/log.js';
import type { Dashboard } from '../../dashboard/dashboard.js';
import { createDevice } from '../../devices/create-device.js';
import type { Device } from '../../devices/device.js';
import { waitFor } from '../../harness/wait.js';
import { Publisher } from '../alarms/helpers.js';
import { testConfig } from '../helpers/pipeline.js';
import { tempDir } from '../helpers/tmp.js';
import type { Caller } from '../people/caller.js';
import { alarmOf, publishAlarms } from '../people/fixture.js';
import { send } from '../security/dashboard-http.js';
import { ROOT } from './browser-fixture.js';

/** The vehicles of the scene, by the state each shows. */
export const SCENE = {
  /** A real vehicle process in this one: readings, health, commands answered. */
  online: 'vehicle_01',
  /** A few readings, then silence: its data is stale, but not yet offline. */
  warning: 'vehicle_02',
  offline: 'vehicle_03',
  /** Online, its readings' device time ten minutes behind (a replayed backlog), all the time. */
  late: 'vehicle_04',
} as const;

/**
 * Dashboard settings the scene needs: vehicles go offline only after 5 minutes of silence; a
 * command without an answer times out after a second (a late answer still counts).
 */
export const SCENE_CONFIG = {
  OFFLINE_AFTER_S: '300',
  HEALTH_INTERVAL_S: '1',
  COMMAND_TIMEOUT_S: '1',
};

export interface Scene {
  device: Device;
  publisher: Publisher;
  stop: () => Promise<void>;
}

function alarm(deviceId: string | null, rule: string, over: Partial<AlarmMessage>): AlarmMessage {
  return { ...alarmOf(deviceId, rule), id: randomUUID(), ...over };
}

/**
 * Puts the dashboard into the scene: `caller` may send commands (an admin, or the API token with
 * AUTH_MODE=none). Returns when the board shows each state.
 */
export async function startScene(
  dashboard: Dashboard,
  brokerPort: number,
  caller: Caller,
): Promise<Scene> {
  const config: Config = testConfig(tempDir('scene-'), brokerPort, {
    PUBLISH_INTERVAL_MS: '200',
    HEALTH_INTERVAL_S: '1',
  });
  const device = createDevice(config, SCENE.online, silentLogger());
  await device.start();
  const publisher = await Publisher.connect(brokerPort);
  await publisher.status(SCENE.warning, 'online');
  await publisher.drive(SCENE.warning, 35, 3, 200);
  await publisher.status(SCENE.offline, 'offline');
  await publisher.status(SCENE.late, 'online');
  // The page marks a vehicle late when such a reading arrives while it is open: keep them coming.
  const lateReading = () => publisher.reading(SCENE.late, 50, Date.now() - 10 * 60_000);
  await lateReading();
  const backlog = setInterval(() => void lateReading().catch(() => {}), 500);
  await publishAlarms(brokerPort, [
    alarm(SCENE.online, 'overspeed', { severity: 'critical', value: 140 }),
    alarm(SCENE.offline, 'offline', {
      severity: 'major',
      state: 'acknowledged',
      acknowledged_at: new Date().toISOString(),
      message: 'no data for 5 minutes',
    }),
    alarm(SCENE.late, 'harsh_braking', { severity: 'minor', message: 'braking at 9 m/s²' }),
    alarm(null, 'fleet_quiet', { severity: 'info', message: 'fewer readings than usual' }),
  ]);
  const now = () => Date.now();
  for (const [state, id] of Object.entries(SCENE)) {
    const want = state === 'late' ? 'online' : state;
    await waitFor(
      () => dashboard.board.statusOf(id, now()),
      (s) => s === want,
      { what: `${id} ${want}` },
    );
  }
  // A command the vehicle answers, and one to a vehicle that never does (it times out).
  for (const id of [SCENE.online, SCENE.warning]) {
    const res = await caller.send(`/api/devices/${id}/commands`, {
      method: 'POST',
      body: { name: 'ping' },
    });
    if (res.status !== 202 && res.status !== 201) throw new Error(`command: ${res.status}`);
    const commandId = (res.json as { command_id: string }).command_id;
    const want = id === SCENE.online ? 'succeeded' : 'timed_out';
    await waitFor(
      async () =>
        ((await caller.send(`/api/commands/${commandId}`)).json as { status?: string }).status,
      (s) => s === want,
      { what: `${id}'s ping ${want}` },
    );
  }
  return {
    device,
    publisher,
    stop: async () => {
      clearInterval(backlog);
      await device.stop();
      await publisher.client.endAsync();
    },
  };
}

/**
 * The GET routes of the app (routers mounted at the root, as ApiRouter is), `:id` filled with the
 * scene's online vehicle, plus `/` (express.static's index.html).
 */
function getPaths(app: Express): string[] {
  const out = new Set<string>(['/']);
  const walk = (stack: unknown[]) => {
    for (const layer of stack as Array<{
      route?: { path: string; methods: Record<string, boolean> };
      handle?: { stack?: unknown[] };
    }>) {
      if (layer.route?.methods.get && typeof layer.route.path === 'string') {
        out.add(layer.route.path.replace(/:\w+/g, SCENE.online));
      } else if (layer.handle?.stack) walk(layer.handle.stack);
    }
  };
  walk((app as unknown as { router: { stack: unknown[] } }).router.stack);
  return [...out].sort();
}

/**
 * The pages a caller (`cookie`, or none) reaches, one path to open per distinct page: every GET
 * route that answers HTML or redirects (to the sign-in page, say), and each static .html file of
 * dashboard/public that no route served. Found by what the server answers, so a page added later
 * is checked without a list here.
 */
export async function pagePaths(app: Express, base: string, cookie?: string): Promise<string[]> {
  const byTarget = new Map<string, string>();
  const bodies = new Set<string>();
  const probe = async (path: string) => {
    const res = await send(base, path, { headers: cookie ? { cookie } : {} });
    const location = res.headers.location;
    if (res.status >= 300 && res.status < 400 && typeof location === 'string') {
      const target = new URL(location, base).pathname;
      if (!byTarget.has(target)) byTarget.set(target, path);
    } else if (res.status === 200 && /^text\/html/.test(String(res.headers['content-type']))) {
      bodies.add(res.text);
      if (!byTarget.has(path)) byTarget.set(path, path);
    }
  };
  for (const path of getPaths(app)) await probe(path);
  const dir = join(ROOT, 'dashboard', 'public');
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.html'))) {
    if (!bodies.has(readFileSync(join(dir, file), 'utf8'))) await probe(`/${file}`);
  }
  return [...byTarget.values()];
}
