// The failure drills: what each scenario breaks, how long, and how it brings the part back.
import mqtt from 'mqtt';
import { ProgramProcess } from '../harness/program.js';
import { sleep, waitFor } from '../harness/wait.js';
import type { DrillEnvironment } from './environment.js';
import { expectedRejects, hostileMessages, retainedTopics } from './fuzz.js';

export const SCENARIOS = [
  'broker-stop',
  'broker-kill',
  'collector-kill',
  'store-outage',
  'device-kill',
  'fuzz',
  'collector-failover',
] as const;
export type ScenarioName = (typeof SCENARIOS)[number];
/** Scenarios made of rounds in one standard environment (collector-failover has its own: drill/failover.ts). */
export type RoundScenario = Exclude<ScenarioName, 'collector-failover'>;

export interface RoundContext {
  env: DrillEnvironment;
  outageMs: number;
  /** At least this many hostile messages per fuzz round. */
  fuzzCount: number;
}

export interface RoundResult {
  /** How long the broken part was unavailable (fault injected until it was back). */
  outageMs: number;
  /** Scenario-specific figures for the report. */
  extra?: Record<string, number | boolean | Record<string, number>>;
}

export const DESCRIPTIONS: Record<ScenarioName, string> = {
  'broker-stop': 'Mosquitto stopped with SIGTERM (saves its state), restarted after the outage',
  'broker-kill':
    'Mosquitto killed with SIGKILL (loses what it acknowledged since its last autosave)',
  'collector-kill': 'collector killed with SIGKILL mid-batch, restarted',
  'store-outage':
    'SQLite: another process holds an exclusive lock on the file; InfluxDB: influxd stopped and restarted',
  'device-kill':
    'devices process killed with SIGKILL while holding a backlog (collector paused), restarted',
  fuzz: '>= 10,000 hostile messages while normal traffic flows; the dashboard is polled throughout',
  'collector-failover':
    '3 collectors sharing partitions through Redis leases: one SIGKILLed for good, then one added',
};

async function timed(work: () => Promise<void>): Promise<number> {
  const started = Date.now();
  await work();
  return Date.now() - started;
}

export const ROUNDS: Record<RoundScenario, (ctx: RoundContext) => Promise<RoundResult>> = {
  'broker-stop': async ({ env, outageMs }) => ({
    outageMs: await timed(async () => {
      await env.broker.stop('SIGTERM');
      await sleep(outageMs);
      await env.broker.start();
    }),
  }),

  'broker-kill': async ({ env, outageMs }) => ({
    outageMs: await timed(async () => {
      await env.broker.stop('SIGKILL');
      await sleep(outageMs);
      await env.broker.start();
    }),
  }),

  'collector-kill': async ({ env, outageMs }) => ({
    outageMs: await timed(async () => {
      await env.collector?.kill('SIGKILL');
      await sleep(outageMs);
      await env.startCollector();
    }),
  }),

  'store-outage': async ({ env, outageMs }) => {
    if (env.influx) {
      const influx = env.influx;
      return {
        outageMs: await timed(async () => {
          await influx.stop('SIGTERM');
          await sleep(outageMs);
          await influx.start();
        }),
      };
    }
    const locker = new ProgramProcess('drill/sqlite-locker.ts', [env.sqlitePath], {});
    locker.start();
    await waitFor(() => locker.stdout.includes('locked'), Boolean, { what: 'SQLite locked' });
    const started = Date.now();
    await sleep(outageMs);
    await locker.kill('SIGTERM');
    return { outageMs: Date.now() - started };
  },

  'device-kill': async ({ env, outageMs }) => {
    // A paused collector confirms nothing, so the devices' queues fill with unconfirmed readings.
    env.collector?.signal('SIGSTOP');
    await sleep(outageMs / 2);
    const backlog = env.ledgers().reduce((n, l) => n + l.queued, 0);
    const down = await timed(async () => {
      await env.killDevices();
      await sleep(outageMs / 2);
      env.startDevices();
    });
    env.collector?.signal('SIGCONT');
    await env.devicesConnected();
    return { outageMs: down, extra: { backlog_at_kill: backlog } };
  },

  fuzz: async ({ env, fuzzCount }) => {
    const messages = hostileMessages(fuzzCount, env.deviceIds, Date.now());
    const client = await mqtt.connectAsync({
      host: '127.0.0.1',
      port: env.broker.port,
      clientId: `fuzzer_${process.pid}`,
    });
    let dashboardOk = 0;
    let dashboardFailed = 0;
    let polling = true;
    const poll = (async () => {
      while (polling) {
        if (await env.dashboardHealthy()) dashboardOk += 1;
        else dashboardFailed += 1;
        await sleep(100);
      }
    })();
    const started = Date.now();
    // Pipelined in chunks: QoS 1, so the broker has every one before we go on.
    for (let i = 0; i < messages.length; i += 500) {
      await Promise.all(
        messages
          .slice(i, i + 500)
          .map((m) => client.publishAsync(m.topic, m.payload, { qos: 1, retain: m.retain })),
      );
    }
    const cleared = retainedTopics(messages);
    for (const topic of cleared) await client.publishAsync(topic, '', { qos: 1, retain: true });
    const elapsed = Date.now() - started;
    await sleep(1000);
    polling = false;
    await poll;
    await client.endAsync();
    const expected = expectedRejects(messages);
    // Clearing a retained topic is an empty message: itself rejected as invalid JSON.
    expected.invalid_json = (expected.invalid_json ?? 0) + cleared.length;
    return {
      outageMs: elapsed,
      extra: {
        hostile_sent: messages.length + cleared.length,
        expected_rejects: expected as Record<string, number>,
        dashboard_polls_ok: dashboardOk,
        dashboard_polls_failed: dashboardFailed,
      },
    };
  },
};
