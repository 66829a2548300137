// Where and how a session connects: MQTT_URL (mqtt, mqtts, ws, wss) or host/port, plus MQTT_CA_FILE.
import { readFileSync } from 'node:fs';
import { rootCertificates } from 'node:tls';
import type { IClientOptions } from 'mqtt';
import type { MqttConfig } from './mqtt-config.js';

export type MqttTransport = Pick<
  IClientOptions,
  'protocol' | 'host' | 'hostname' | 'port' | 'path' | 'ca'
>;

const DEFAULT_PORTS = { mqtt: 1883, mqtts: 8883, ws: 80, wss: 443 } as const;
type Protocol = keyof typeof DEFAULT_PORTS;

/** Read once per config object (a fleet builds thousands of sessions from one). */
const cache = new WeakMap<MqttConfig, MqttTransport>();

/**
 * MQTT_URL wins over MQTT_BROKER_HOST/PORT. Certificates are always verified (MQTT.js and `ws`
 * default to rejectUnauthorized; nothing here turns it off). MQTT_CA_FILE is trusted in addition
 * to Node's public roots, so the same setting works for a private CA and for a public one.
 * For wss:// MQTT.js hands `ca` to the WebSocket's TLS connection itself.
 */
export function transportFor(mqtt: MqttConfig): MqttTransport {
  const cached = cache.get(mqtt);
  if (cached) return cached;
  const transport: MqttTransport = mqtt.url
    ? fromUrl(mqtt.url)
    : { protocol: 'mqtt', host: mqtt.host ?? 'localhost', port: mqtt.port };
  if (mqtt.caFile !== undefined) {
    transport.ca = [...rootCertificates, readFileSync(mqtt.caFile, 'utf8')];
  }
  cache.set(mqtt, transport);
  return transport;
}

function fromUrl(url: string): MqttTransport {
  const u = new URL(url);
  const protocol = u.protocol.slice(0, -1) as Protocol;
  if (!(protocol in DEFAULT_PORTS)) throw new Error(`MQTT_URL: unsupported protocol ${protocol}`);
  const hostname = u.hostname.replace(/^\[(.*)\]$/, '$1'); // IPv6 literal without brackets
  const transport: MqttTransport = {
    protocol,
    host: hostname,
    hostname,
    port: u.port === '' ? DEFAULT_PORTS[protocol] : Number(u.port),
  };
  if (protocol === 'ws' || protocol === 'wss') transport.path = `${u.pathname || '/'}${u.search}`;
  return transport;
}

/** For logs: where a config points, without credentials. */
export function describeBroker(mqtt: MqttConfig): string {
  const t = transportFor(mqtt);
  return `${t.protocol}://${t.host}:${t.port}${t.path ?? ''}`;
}
