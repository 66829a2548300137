// docker/telegraf/telegraf.conf (not run here: no telegraf binary): it reads, subscribes to the
// topic devices publish to, and maps a reading onto the collector's point exactly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SPEED_SUBSCRIPTION, speedTopic } from '../../core/contract.js';
import { pointTimeNs, SEQ_NS_SLOTS } from '../../core/store/influx-points.js';
import { DEVICE_TAG, MEASUREMENT } from '../../core/store/influxql.js';
import { DOCKER, loadCompose } from './compose-files.js';
import { parseTomlSubset, type TomlTable } from './toml-subset.js';

const conf = parseTomlSubset(readFileSync(join(DOCKER, 'telegraf/telegraf.conf'), 'utf8'));

/** Telegraf's own environment substitution: `${NAME}`. */
const envRef = (name: string) => `\${${name}}`;

function first(value: unknown, what: string): TomlTable {
  if (!Array.isArray(value) || value.length !== 1) throw new Error(`one ${what} expected`);
  return value[0] as TomlTable;
}

describe('docker/telegraf/telegraf.conf', () => {
  const inputs = conf.inputs as TomlTable;
  const mqtt = first(inputs.mqtt_consumer, 'mqtt_consumer');
  const json = first(mqtt.json_v2, 'json_v2');
  const outputs = conf.outputs as TomlTable;

  it('subscribes at QoS 1 with its own login, a fixed client id and a persistent session to the speed topic', () => {
    expect(mqtt).toMatchObject({
      servers: ['tcp://mosquitto:1883'],
      topics: [SPEED_SUBSCRIPTION],
      qos: 1,
      persistent_session: true,
      data_format: 'json_v2',
    });
    expect(typeof mqtt.client_id === 'string' && mqtt.client_id.length > 0).toBe(true);
    // Its own MQTT login (user telegraf, read-only ACL), from the env file mqtt-users writes.
    expect(mqtt.username).toBe(envRef('MQTT_USERNAME'));
    expect(mqtt.password).toBe(envRef('MQTT_PASSWORD'));
    expect(loadCompose().services.telegraf?.env_file).toEqual(['./secrets/telegraf.env']);
    // The topic filter matches what a device publishes to (the original's matched nothing).
    expect(speedTopic('vehicle_01')).toMatch(
      new RegExp(`^${SPEED_SUBSCRIPTION.replace('+', '[^/]+')}$`),
    );
  });

  it("writes the collector's point: same measurement, only the device_id tag, typed fields, device time", () => {
    // Any extra tag (topic, host) would make another series next to the collector's.
    expect(mqtt.topic_tag).toBe('');
    expect((conf.agent as TomlTable).omit_hostname).toBe(true);
    expect(json).toMatchObject({
      measurement_name: MEASUREMENT,
      timestamp_path: 'timestamp',
      timestamp_format: '2006-01-02T15:04:05Z07:00',
      tag: [{ path: DEVICE_TAG }],
      field: [
        { path: 'speed', type: 'float' },
        { path: 'seq', type: 'int' },
      ],
    });
  });

  it("moves the point's time by seq mod 10^6 ns, as the collector does (a Starlark processor)", () => {
    const starlark = first((conf.processors as TomlTable).starlark, 'starlark processor');
    expect(starlark.namepass).toEqual([MEASUREMENT]);
    expect(starlark.source).toBe(
      [
        'def apply(metric):',
        `    metric.time = metric.time + metric.fields["seq"] % ${SEQ_NS_SLOTS}`,
        '    return metric',
        '',
      ].join('\n'),
    );
    // The collector's time for the same reading: ms * 10^6 + seq mod 10^6.
    const ms = Date.parse('2026-11-24T10:00:00.123Z');
    expect(pointTimeNs(ms, 1_000_042)).toBe(String(BigInt(ms) * 1_000_000n + 42n));
  });

  it('writes to the bucket, org and token compose gives it, via influxdb_v2', () => {
    const out = first(outputs.influxdb_v2, 'influxdb_v2 output');
    expect(out).toEqual({
      urls: ['http://influxdb:8086'],
      token: envRef('INFLUXDB_TOKEN'),
      organization: envRef('INFLUXDB_ORG'),
      bucket: envRef('INFLUXDB_BUCKET'),
    });
    const env = loadCompose().services.telegraf?.environment ?? {};
    expect(Object.keys(env).sort()).toEqual(['INFLUXDB_BUCKET', 'INFLUXDB_ORG', 'INFLUXDB_TOKEN']);
    expect(loadCompose().services.telegraf?.volumes).toContain(
      './telegraf/telegraf.conf:/etc/telegraf/telegraf.conf:ro',
    );
  });

  it('reads with a parser that rejects what it does not know', () => {
    expect(() => parseTomlSubset('[agent]\n  interval = 10s\n')).toThrow(/unsupported value/);
    expect(() => parseTomlSubset('a = "x"\na = "y"\n')).toThrow(/duplicate key/);
  });
});
