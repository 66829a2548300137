// Shared pieces of the MQTT security tests: generated users, secured brokers (Mosquitto, Aedes), raw clients, certificates.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import mqtt, { type IClientOptions, type MqttClient } from 'mqtt';
import { EmbeddedBroker } from '../../broker/embedded-broker.js';
import { silentLogger } from '../../core/log.js';
import { readCredentialsFile } from '../../core/mqtt-credentials.js';
import { fleetIds } from '../../devices/create-device.js';
import { MosquittoProcess } from '../../harness/mosquitto.js';
import { sleep } from '../../harness/wait.js';
import { FILES, generateUsers } from '../../scripts/mqtt-users/generate.js';
import type { Hasher } from '../../scripts/mqtt-users/password-file.js';

export interface Users {
  dir: string;
  passwordFile: string;
  aclFile: string;
  credentialsFile: string;
  passwords: ReadonlyMap<string, string>;
  password(user: string): string;
}

/** `npm run mqtt-users`'s files for `count` vehicles, generated in-process. */
export async function makeUsers(dir: string, count = 2, hasher: Hasher = 'node'): Promise<Users> {
  await generateUsers({ dir, deviceIds: fleetIds('vehicle_', count), hasher, force: false });
  const credentialsFile = join(dir, FILES.credentialsJson);
  const passwords = readCredentialsFile(credentialsFile);
  return {
    dir,
    passwordFile: join(dir, FILES.passwordFile),
    aclFile: join(dir, FILES.aclFile),
    credentialsFile,
    passwords,
    password: (user) => {
      const p = passwords.get(user);
      if (p === undefined) throw new Error(`no user ${user}`);
      return p;
    },
  };
}

/** Auth lines as docker/mosquitto/mosquitto.conf has them (per_listener_settings false). */
export function mosquittoAuthLines(users: Users): string[] {
  return [
    'allow_anonymous false',
    `password_file ${users.passwordFile}`,
    `acl_file ${users.aclFile}`,
  ];
}

/** A real Mosquitto on a free port enforcing the files, client id = username on its listener. */
export async function securedMosquitto(
  dir: string,
  users: Users,
  extraListeners: string[] = [],
): Promise<MosquittoProcess> {
  const broker = new MosquittoProcess({
    dir,
    // The harness's first listener is on 127.0.0.1:<port>; this line applies to it.
    extraConfig: ['use_username_as_clientid true', ...mosquittoAuthLines(users), ...extraListeners],
  });
  await broker.start();
  return broker;
}

export interface RunningBroker {
  name: string;
  port: number;
  stop(): Promise<void>;
}

export async function securedAedes(users: Users): Promise<RunningBroker> {
  const broker = new EmbeddedBroker({
    port: 0,
    host: '127.0.0.1',
    passwordFile: users.passwordFile,
    aclFile: users.aclFile,
    log: silentLogger(),
  });
  await broker.start();
  return { name: 'embedded Aedes', port: broker.port, stop: () => broker.stop() };
}

/** One raw MQTT 3.1.1 client: no reconnects, so a refusal or a close is final. */
export function connect(port: number, options: IClientOptions = {}): Promise<MqttClient> {
  return mqtt.connectAsync({
    host: '127.0.0.1',
    port,
    protocolVersion: 4,
    reconnectPeriod: 0,
    connectTimeout: 5000,
    ...options,
  });
}

/** How a connection attempt ended: connected, or the CONNACK code / error text of the refusal. */
export async function connectOutcome(port: number, options: IClientOptions): Promise<string> {
  try {
    const client = await connect(port, options);
    await client.endAsync(true);
    return 'connected';
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    return typeof code === 'number' ? `refused ${code}` : `error ${(err as Error).message}`;
  }
}

/** Every message a client receives, as `topic payload`. */
export function record(client: MqttClient): string[] {
  const seen: string[] = [];
  client.on('message', (topic, payload) => seen.push(`${topic} ${payload.toString()}`));
  return seen;
}

/**
 * A QoS 1 publish as the broker answers it: `acked` (Mosquitto acknowledges a denied publish from
 * a 3.1.1 client and drops it) or `closed` (Aedes closes the connection instead).
 */
export function publishOutcome(
  client: MqttClient,
  topic: string,
  payload: string,
): Promise<'acked' | 'closed'> {
  return new Promise((resolve) => {
    const onClose = () => resolve('closed');
    client.once('close', onClose);
    client.publish(topic, payload, { qos: 1 }, (err) => {
      client.off('close', onClose);
      resolve(err ? 'closed' : 'acked');
    });
  });
}

/**
 * A SUBSCRIBE as the broker answers it. Mosquitto grants any filter and filters per message;
 * the embedded broker refuses (0x80) a filter no ACL entry lets anything through.
 */
export function subscribeOutcome(
  client: MqttClient,
  filter: string,
): Promise<'granted' | 'refused'> {
  return new Promise((resolve) => {
    client.subscribe(filter, { qos: 1 }, (err, granted) => {
      resolve(!err && granted?.[0] && granted[0].qos < 128 ? 'granted' : 'refused');
    });
  });
}

/** Waits until `seen` holds a line starting with `prefix` (a marker sent after what is checked). */
export async function awaitLine(seen: string[], prefix: string, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!seen.some((l) => l.startsWith(prefix))) {
    if (Date.now() > deadline) throw new Error(`no "${prefix}" in ${JSON.stringify(seen)}`);
    await sleep(20);
  }
}

export interface TestCertificates {
  ca: string;
  cert: string;
  key: string;
  /** A second CA the broker's certificate is not signed by. */
  otherCa: string;
}

/** A throwaway CA and a server certificate for 127.0.0.1 / localhost, made with openssl (P-256: fast). */
export function makeCertificates(dir: string): TestCertificates {
  const f = (name: string) => join(dir, name);
  const openssl = (...args: string[]) => {
    try {
      return execFileSync('openssl', args, { stdio: 'pipe' });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') {
        throw new Error('openssl not found: apt-get install -y openssl');
      }
      throw err;
    }
  };
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-days', '2'];
  for (const ca of ['ca', 'other-ca']) {
    const subject = `/CN=telemetry test ${ca}`;
    openssl(
      'req',
      '-x509',
      ...newKey,
      '-keyout',
      f(`${ca}.key`),
      '-out',
      f(`${ca}.crt`),
      '-subj',
      subject,
    );
  }
  openssl(
    'req',
    '-new',
    ...newKey,
    '-keyout',
    f('server.key'),
    '-out',
    f('server.csr'),
    '-subj',
    '/CN=localhost',
  );
  writeFileSync(f('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
  openssl(
    'x509',
    '-req',
    '-in',
    f('server.csr'),
    '-CA',
    f('ca.crt'),
    '-CAkey',
    f('ca.key'),
    '-CAcreateserial',
    '-days',
    '2',
    '-extfile',
    f('server.ext'),
    '-out',
    f('server.crt'),
  );
  return {
    ca: f('ca.crt'),
    cert: f('server.crt'),
    key: f('server.key'),
    otherCa: f('other-ca.crt'),
  };
}
