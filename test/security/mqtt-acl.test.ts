// One ACL matrix, run against a real Mosquitto and the embedded Aedes broker configured with the same generated files.
import type { MqttClient } from 'mqtt';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sleep } from '../../harness/wait.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';
import {
  awaitLine,
  connect,
  connectOutcome,
  makeUsers,
  publishOutcome,
  type RunningBroker,
  record,
  securedAedes,
  securedMosquitto,
  subscribeOutcome,
  type Users,
} from './mqtt-helpers.js';

afterAll(removeTempDirs);

/** Quiet time after a marker, for a message that should not come (it would have come first). */
const SETTLE_MS = 150;

const brokers: Array<[string, (users: Users) => Promise<RunningBroker>]> = [
  [
    'Mosquitto',
    async (users) => {
      const mosquitto = await securedMosquitto(tempDir('acl-mosquitto-'), users);
      return { name: 'Mosquitto', port: mosquitto.port, stop: () => mosquitto.stop() };
    },
  ],
  ['embedded Aedes', securedAedes],
];

describe.each(brokers)('%s with the files of npm run mqtt-users', (_name, start) => {
  let users: Users;
  let broker: RunningBroker;
  const open: MqttClient[] = [];

  /** A client logged in as `user` (client id = user unless given). */
  const as = async (user: string, clientId = user, extra = {}) => {
    const client = await connect(broker.port, {
      username: user,
      password: users.password(user),
      clientId,
      ...extra,
    });
    open.push(client);
    return client;
  };

  /** A collector-role subscriber on vehicles/# recording what it gets. */
  const collectorView = async () => {
    const c = await as('collector');
    const seen = record(c);
    await c.subscribeAsync('vehicles/#', { qos: 1 });
    return { client: c, seen };
  };

  beforeAll(async () => {
    users = await makeUsers(tempDir('acl-users-'), 2);
    broker = await start(users);
  });

  afterAll(async () => {
    for (const c of open) c.end(true);
    await broker?.stop();
  });

  it('refuses anonymous clients, unknown users and wrong passwords (CONNACK 5)', async () => {
    const port = broker.port;
    expect(await connectOutcome(port, { clientId: 'anon' })).toBe('refused 5');
    expect(await connectOutcome(port, { username: 'vehicle_01', clientId: 'vehicle_01' })).toBe(
      'refused 5',
    );
    expect(
      await connectOutcome(port, { username: 'vehicle_01', password: 'wrong', clientId: 'x' }),
    ).toBe('refused 5');
    // Another user's password does not work either.
    expect(
      await connectOutcome(port, {
        username: 'vehicle_01',
        password: users.password('vehicle_02'),
      }),
    ).toBe('refused 5');
    expect(
      await connectOutcome(port, { username: 'nobody', password: users.password('collector') }),
    ).toBe('refused 5');
    expect(
      await connectOutcome(port, {
        username: 'vehicle_01',
        password: users.password('vehicle_01'),
      }),
    ).toBe('connected');
  });

  it('delivers a device’s own telemetry; vehicle_01 publishing as vehicle_02 never arrives', async () => {
    const { seen } = await collectorView();
    const attacker = await as('vehicle_01');
    const outcome = await publishOutcome(attacker, 'vehicles/vehicle_02/speed', 'forged');
    // Mosquitto acknowledges and drops (MQTT 3.1.1 has no refusal code), Aedes hangs up.
    expect(['acked', 'closed']).toContain(outcome);
    attacker.end(true);
    const device = await as('vehicle_01');
    for (const kind of ['status', 'dropped', 'speed']) {
      await device.publishAsync(`vehicles/vehicle_01/${kind}`, `own ${kind}`, { qos: 1 });
    }
    await awaitLine(seen, 'vehicles/vehicle_01/speed own speed');
    await sleep(SETTLE_MS);
    expect(seen).toContain('vehicles/vehicle_01/status own status');
    expect(seen).toContain('vehicles/vehicle_01/dropped own dropped');
    expect(seen.filter((l) => l.includes('forged'))).toEqual([]);
  });

  it('a device may not publish its acks or any other topic under its id', async () => {
    const { seen } = await collectorView();
    for (const topic of [
      'vehicles/vehicle_01/ack',
      'vehicles/vehicle_01/other',
      'vehicles/vehicle_01',
    ]) {
      const device = await as('vehicle_01');
      expect(['acked', 'closed']).toContain(await publishOutcome(device, topic, 'nope'));
      device.end(true);
    }
    const marker = await as('vehicle_02');
    await marker.publishAsync('vehicles/vehicle_02/speed', 'marker', { qos: 1 });
    await awaitLine(seen, 'vehicles/vehicle_02/speed marker');
    await sleep(SETTLE_MS);
    expect(seen.filter((l) => l.includes('nope'))).toEqual([]);
  });

  it('a device reads only its own acks, whatever it subscribes to', async () => {
    const collector = await as('collector');
    await collector.publishAsync('vehicles/vehicle_01/ack', 'ack for 01', { qos: 0, retain: true });
    await collector.publishAsync('vehicles/vehicle_02/ack', 'ack for 02', { qos: 0, retain: true });
    const device = await as('vehicle_01');
    const seen = record(device);
    for (const filter of ['vehicles/#', '#', 'vehicles/+/ack', 'vehicles/vehicle_02/ack']) {
      await subscribeOutcome(device, filter); // granted or refused: what arrives is checked below
    }
    expect(await subscribeOutcome(device, 'vehicles/vehicle_01/ack')).toBe('granted');
    const other = await as('vehicle_02');
    await other.publishAsync('vehicles/vehicle_02/speed', 'telemetry of 02', { qos: 1 });
    await collector.publishAsync('vehicles/vehicle_02/ack', 'live ack for 02', { qos: 0 });
    await collector.publishAsync('vehicles/vehicle_01/ack', 'live ack for 01', { qos: 0 });
    await awaitLine(seen, 'vehicles/vehicle_01/ack live ack for 01');
    await sleep(SETTLE_MS);
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((l) => l.startsWith('vehicles/vehicle_01/ack '))).toBe(true);
    expect(seen).toContain('vehicles/vehicle_01/ack ack for 01'); // the retained one
  });

  it('the dashboard reads speed and status but cannot publish', async () => {
    const dashboard = await as('dashboard', 'dashboard-1a2b3c4d');
    const dashboardSeen = record(dashboard);
    for (const filter of ['vehicles/+/speed', 'vehicles/+/status', 'vehicles/+/ack']) {
      await subscribeOutcome(dashboard, filter);
    }
    const { seen } = await collectorView();
    for (const topic of ['vehicles/vehicle_01/speed', 'vehicles/vehicle_01/status']) {
      const d = await as('dashboard', 'dashboard-1a2b3c4d');
      expect(['acked', 'closed']).toContain(await publishOutcome(d, topic, 'from dashboard'));
      d.end(true);
    }
    // The dashboard's own session was taken over by the publishing ones (same user): reconnect.
    const reader = await as('dashboard');
    const readerSeen = record(reader);
    await reader.subscribeAsync(['vehicles/+/speed', 'vehicles/+/status'], { qos: 0 });
    const device = await as('vehicle_02');
    await device.publishAsync('vehicles/vehicle_02/speed', 'reading', { qos: 1 });
    await awaitLine(seen, 'vehicles/vehicle_02/speed reading');
    await awaitLine(readerSeen, 'vehicles/vehicle_02/speed reading');
    await sleep(SETTLE_MS);
    expect(seen.filter((l) => l.includes('from dashboard'))).toEqual([]);
    expect([...dashboardSeen, ...readerSeen].filter((l) => l.includes('/ack '))).toEqual([]);
  });

  it('only the dashboard writes the registry snapshot; the collector reads it, a vehicle neither', async () => {
    // Same user, same client id: each forger takes over the previous session, so forge first
    // (retained, so a forged snapshot that got through would reach the follower below).
    for (const user of ['vehicle_01', 'collector']) {
      const forger = await as(user);
      expect(['acked', 'closed']).toContain(
        await publishOutcome(forger, 'fleet/registry', `forged by ${user}`),
      );
      forger.end(true);
    }
    const vehicle = await as('vehicle_01');
    const vehicleSeen = record(vehicle);
    await subscribeOutcome(vehicle, 'fleet/registry'); // granted or refused: nothing may arrive
    const follower = await as('collector');
    const followerSeen = record(follower);
    expect(await subscribeOutcome(follower, 'fleet/registry')).toBe('granted');
    const dashboard = await as('dashboard');
    await dashboard.publishAsync('fleet/registry', 'snapshot', { qos: 1, retain: true });
    await awaitLine(followerSeen, 'fleet/registry snapshot');
    await sleep(SETTLE_MS);
    expect(followerSeen.filter((l) => l.includes('forged'))).toEqual([]);
    expect(vehicleSeen).toEqual([]);
    // Cleared again, so later cases see no retained registry.
    await dashboard.publishAsync('fleet/registry', '', { qos: 1, retain: true });
  });

  it('the collector publishes acks (delivered to that device) but no telemetry', async () => {
    const device = await as('vehicle_01');
    const deviceSeen = record(device);
    await device.subscribeAsync('vehicles/vehicle_01/ack', { qos: 1 });
    const dashboard = await as('dashboard');
    const dashboardSeen = record(dashboard);
    await dashboard.subscribeAsync('vehicles/+/speed', { qos: 0 });
    const collector = await as('collector');
    expect(['acked', 'closed']).toContain(
      await publishOutcome(collector, 'vehicles/vehicle_01/speed', 'forged by collector'),
    );
    collector.end(true);
    const collector2 = await as('collector');
    await collector2.publishAsync('vehicles/vehicle_01/ack', 'e2e ack', { qos: 0 });
    await awaitLine(deviceSeen, 'vehicles/vehicle_01/ack e2e ack');
    const marker = await as('vehicle_02');
    await marker.publishAsync('vehicles/vehicle_02/speed', 'marker', { qos: 1 });
    await awaitLine(dashboardSeen, 'vehicles/vehicle_02/speed marker');
    await sleep(SETTLE_MS);
    expect(dashboardSeen.filter((l) => l.includes('forged'))).toEqual([]);
  });

  it('commands: only the dashboard sends them; vehicle_01 writing vehicle_02’s command is dropped; the collector sees none', async () => {
    const target = await as('vehicle_02');
    const targetSeen = record(target);
    await target.subscribeAsync('vehicles/vehicle_02/command', { qos: 1 });
    const { seen: collectorSeen } = await collectorView();
    for (const topic of ['vehicles/vehicle_02/command', 'vehicles/vehicle_01/command']) {
      const forger = await as('vehicle_01');
      expect(['acked', 'closed']).toContain(await publishOutcome(forger, topic, 'forged command'));
      forger.end(true);
    }
    const dashboard = await as('dashboard');
    await dashboard.publishAsync('vehicles/vehicle_02/command', 'real command', { qos: 1 });
    await awaitLine(targetSeen, 'vehicles/vehicle_02/command real command');
    await sleep(SETTLE_MS);
    expect(targetSeen.filter((l) => l.includes('forged'))).toEqual([]);
    expect(collectorSeen.filter((l) => l.includes('/command'))).toEqual([]);
  });

  it('a vehicle reads only its own commands, whatever it subscribes to', async () => {
    const snoop = await as('vehicle_01');
    const seen = record(snoop);
    for (const filter of ['vehicles/#', '#', 'vehicles/+/command', 'vehicles/vehicle_02/command']) {
      await subscribeOutcome(snoop, filter);
    }
    expect(await subscribeOutcome(snoop, 'vehicles/vehicle_01/command')).toBe('granted');
    const dashboard = await as('dashboard');
    await dashboard.publishAsync('vehicles/vehicle_02/command', 'for 02', { qos: 1 });
    await dashboard.publishAsync('vehicles/vehicle_01/command', 'for 01', { qos: 1 });
    await awaitLine(seen, 'vehicles/vehicle_01/command for 01');
    await sleep(SETTLE_MS);
    expect(seen.filter((l) => l.includes('/command'))).toEqual([
      'vehicles/vehicle_01/command for 01',
    ]);
  });

  it('results: a vehicle answers only on its own result topic, which the dashboard reads and the collector does not', async () => {
    const dashboard = await as('dashboard');
    const dashboardSeen = record(dashboard);
    await dashboard.subscribeAsync('vehicles/+/command/result', { qos: 1 });
    const { seen: collectorSeen } = await collectorView();
    const forger = await as('vehicle_01');
    expect(['acked', 'closed']).toContain(
      await publishOutcome(forger, 'vehicles/vehicle_02/command/result', 'forged result'),
    );
    forger.end(true);
    const own = await as('vehicle_01');
    await own.publishAsync('vehicles/vehicle_01/command/result', 'own result', { qos: 1 });
    await awaitLine(dashboardSeen, 'vehicles/vehicle_01/command/result own result');
    await sleep(SETTLE_MS);
    expect(dashboardSeen.filter((l) => l.includes('forged'))).toEqual([]);
    expect(collectorSeen.filter((l) => l.includes('/command'))).toEqual([]);
  });

  it('health: a device publishes only its own; the collector and the dashboard read it', async () => {
    const { seen } = await collectorView();
    const forger = await as('vehicle_01');
    expect(['acked', 'closed']).toContain(
      await publishOutcome(forger, 'vehicles/vehicle_02/health', 'forged health'),
    );
    forger.end(true);
    const dashboard = await as('dashboard');
    const dashboardSeen = record(dashboard);
    await dashboard.subscribeAsync('vehicles/+/health', { qos: 0 });
    const device = await as('vehicle_01');
    await device.publishAsync('vehicles/vehicle_01/health', 'own health', { qos: 1, retain: true });
    await awaitLine(seen, 'vehicles/vehicle_01/health own health');
    await awaitLine(dashboardSeen, 'vehicles/vehicle_01/health own health');
    await sleep(SETTLE_MS);
    expect([...seen, ...dashboardSeen].filter((l) => l.includes('forged'))).toEqual([]);
  });

  it('alarms: the collector writes alarm states and reads acks, the dashboard the reverse; devices neither', async () => {
    /** A retained QoS 1 publish on a fresh connection that is closed after. */
    const attempt = async (user: string, topic: string, payload: string) => {
      const c = await as(user);
      const outcome = await new Promise<string>((resolve) => {
        c.once('close', () => resolve('closed'));
        c.publish(topic, payload, { qos: 1, retain: true }, (err) =>
          resolve(err ? 'closed' : 'acked'),
        );
      });
      c.end(true);
      return outcome;
    };
    for (const [user, topic] of [
      ['vehicle_01', 'fleet/alarms/vehicle_01/overspeed'],
      ['vehicle_01', 'fleet/alarms/ack'],
      ['vehicle_01', 'fleet/registry'],
      ['dashboard', 'fleet/alarms/vehicle_01/overspeed'],
      ['collector', 'fleet/alarms/ack'],
      ['collector', 'fleet/registry'],
    ] as const) {
      expect(['acked', 'closed']).toContain(await attempt(user, topic, `forged by ${user}`));
    }
    const device = await as('vehicle_02');
    const deviceSeen = record(device);
    for (const filter of ['#', 'fleet/#', 'fleet/alarms/+/+', 'fleet/alarms/ack']) {
      await subscribeOutcome(device, filter);
    }
    const collector = await as('collector');
    const collectorSeen = record(collector);
    await collector.subscribeAsync('fleet/alarms/ack', { qos: 1 });
    const dashboard = await as('dashboard');
    const dashboardSeen = record(dashboard);
    await dashboard.subscribeAsync('fleet/alarms/+/+', { qos: 1 });
    await collector.publishAsync('fleet/alarms/vehicle_01/overspeed', 'real alarm', {
      qos: 1,
      retain: true,
    });
    await collector.publishAsync('fleet/alarms/~fleet/fleet_silent', 'fleet alarm', { qos: 1 });
    await awaitLine(dashboardSeen, 'fleet/alarms/vehicle_01/overspeed real alarm');
    await awaitLine(dashboardSeen, 'fleet/alarms/~fleet/fleet_silent fleet alarm');
    await dashboard.publishAsync('fleet/alarms/ack', 'real ack', { qos: 1 });
    await awaitLine(collectorSeen, 'fleet/alarms/ack real ack');
    await sleep(SETTLE_MS);
    expect([...collectorSeen, ...dashboardSeen].filter((l) => l.includes('forged'))).toEqual([]);
    expect(deviceSeen.filter((l) => l.startsWith('fleet/'))).toEqual([]);
  });

  it('defeats a client-id takeover: vehicle_01 asking for client id vehicle_02 gets its own session; vehicle_02 stays connected', async () => {
    const victim = await as('vehicle_02', 'vehicle_02', { clean: false });
    const victimSeen = record(victim);
    await victim.subscribeAsync('vehicles/vehicle_02/ack', { qos: 1 });
    let victimClosed = false;
    victim.on('close', () => {
      victimClosed = true;
    });
    const { client: collector, seen } = await collectorView();
    // The attacker's last will names the victim's status topic: it must never be sent either.
    const attacker = await as('vehicle_01', 'vehicle_02', {
      clean: false,
      will: { topic: 'vehicles/vehicle_02/status', payload: 'offline (forged will)', qos: 1 },
    });
    const attackerSeen = record(attacker);
    await subscribeOutcome(attacker, 'vehicles/vehicle_02/ack');
    await collector.publishAsync('vehicles/vehicle_02/ack', 'for the victim', { qos: 0 });
    await awaitLine(victimSeen, 'vehicles/vehicle_02/ack for the victim');
    attacker.stream.destroy(); // a dropped connection fires the will
    const marker = await as('vehicle_01');
    await marker.publishAsync('vehicles/vehicle_01/speed', 'marker', { qos: 1 });
    await awaitLine(seen, 'vehicles/vehicle_01/speed marker');
    await sleep(SETTLE_MS);
    expect(victimClosed).toBe(false);
    expect(victim.connected).toBe(true);
    expect(attackerSeen).toEqual([]);
    expect(seen.filter((l) => l.includes('forged will'))).toEqual([]);
  });

  it('refuses hostile usernames and client ids, rejects hostile topics, and keeps serving', async () => {
    const hostile = ['"quoted\' name', '<script>alert(1)</script>', 'x'.repeat(5000), 'a/+/#'];
    for (const name of hostile) {
      expect(
        await connectOutcome(broker.port, { username: name, password: 'p', clientId: name }),
      ).toMatch(/^refused [25]$|^error /);
    }
    const { seen } = await collectorView();
    for (const id of hostile) {
      const device = await as('vehicle_01', id.includes('/') ? 'vehicle_01' : id);
      expect(['acked', 'closed']).toContain(
        await publishOutcome(device, `vehicles/${id.replace(/[+#]/g, '_')}/speed`, 'hostile'),
      );
      device.end(true);
    }
    const device = await as('vehicle_01');
    await device.publishAsync('vehicles/vehicle_01/speed', 'still serving', { qos: 1 });
    await awaitLine(seen, 'vehicles/vehicle_01/speed still serving');
    await sleep(SETTLE_MS);
    expect(seen.filter((l) => l.includes('hostile'))).toEqual([]);
  });
});
