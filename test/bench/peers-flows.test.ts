// The peers bench's Node-RED flows as checked in: the nodes and broker settings the bench relies on, and their function code storing a real payload in the readings table.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { flowFile, type PeerFlow } from '../../bench/peers/node-red.js';
import { createReadingsTable, READINGS_COLUMNS } from '../../bench/peers/readings-table.js';
import { telemetryReading } from '../../bench/publishers.js';
import { encodeReading, encodeTelemetry } from '../../core/contract.js';
import { BUILTIN_SIGNALS } from '../../core/signals/catalog.js';
import { removeTempDirs, tempDir } from '../helpers/tmp.js';

interface FlowNode {
  id: string;
  type: string;
  wires?: string[][];
  [key: string]: unknown;
}

afterAll(removeTempDirs);

/** How a flow names a value Node-RED fills from its environment at start. */
const env = (name: string) => `\${${name}}`;

const load = (flow: PeerFlow): FlowNode[] =>
  JSON.parse(readFileSync(flowFile(flow), 'utf8')) as FlowNode[];

const one = (nodes: FlowNode[], type: string): FlowNode => {
  const found = nodes.filter((n) => n.type === type);
  expect(found, type).toHaveLength(1);
  return found[0] as FlowNode;
};

/** The node types from the mqtt in node along the wires to the end. */
function path(nodes: FlowNode[]): string[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const out: string[] = [];
  for (let n: FlowNode | undefined = one(nodes, 'mqtt in'); n; ) {
    out.push(n.type);
    n = byId.get(n.wires?.[0]?.[0] ?? '');
  }
  return out;
}

/** Runs a function node's code on a message, as Node-RED does (`msg` in, `return msg`). */
const runFunction = (node: FlowNode, msg: Record<string, unknown>): Record<string, unknown> =>
  new Function('msg', node.func as string)(msg) as Record<string, unknown>;

/** Binds as node-sqlite3 does for the sqlite node (booleans as integers), into better-sqlite3. */
const bindable = (v: unknown) => (typeof v === 'boolean' ? Number(v) : v);

const telemetry = (seq: number) =>
  JSON.parse(
    encodeTelemetry(telemetryReading('bench_01', 0, seq, Date.UTC(2026, 0, 1, 0, 0, seq))),
  );
const speed = (seq: number) =>
  JSON.parse(
    encodeReading({ device_id: 'bench_02', seq, timestamp: '2026-01-01T00:00:00.000Z', speed: 42 }),
  );

function readings(file: string): Record<string, unknown>[] {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT * FROM readings ORDER BY rowid').all() as Record<string, unknown>[];
  } finally {
    db.close();
  }
}

describe('peers bench flows', () => {
  it.each(['naive', 'batched'] as const)(
    '%s: QoS 1 on a persistent session, into the SQLite file given',
    (flow) => {
      const nodes = load(flow);
      const broker = one(nodes, 'mqtt-broker');
      expect(broker).toMatchObject({
        port: env('MQTT_PORT'),
        cleansession: false,
        protocolVersion: '4',
      });
      expect(broker.clientid).not.toBe('');
      expect(one(nodes, 'mqtt in')).toMatchObject({
        topic: env('MQTT_TOPIC'),
        qos: '1',
        datatype: 'json',
      });
      expect(one(nodes, 'sqlitedb')).toMatchObject({ db: env('SQLITE_PATH') });
      expect(path(nodes)).toEqual(
        flow === 'naive'
          ? ['mqtt in', 'function', 'sqlite']
          : ['mqtt in', 'join', 'function', 'sqlite'],
      );
    },
  );

  it('the readings table has a column for every built-in signal', () => {
    for (const s of BUILTIN_SIGNALS) expect(READINGS_COLUMNS).toContain(s.key);
  });

  it('naive: one INSERT with every signal of a full payload, NULLs beside a speed-only one', () => {
    const nodes = load('naive');
    const sqlite = one(nodes, 'sqlite');
    expect(sqlite.sqlquery).toBe('prepared');
    const file = join(tempDir('peers-flow-'), 'readings.db');
    createReadingsTable(file);
    const db = new Database(file);
    const insert = db.prepare(sqlite.sql as string);
    for (const payload of [telemetry(7), speed(3)]) {
      const { params } = runFunction(one(nodes, 'function'), { payload }) as {
        params: Record<string, unknown>;
      };
      insert.run(
        Object.fromEntries(Object.entries(params).map(([k, v]) => [k.slice(1), bindable(v)])),
      );
    }
    db.close();
    const [full, bare] = readings(file);
    expect(full).toMatchObject({ device_id: 'bench_01', seq: 7, ignition: 1 });
    for (const s of BUILTIN_SIGNALS) expect(full?.[s.key], s.key).not.toBeNull();
    expect(bare).toMatchObject({ device_id: 'bench_02', seq: 3, speed: 42, lat: null, rpm: null });
  });

  it('batched: 1,000 messages or 100 ms, one multi-row INSERT with the values quoted in', () => {
    const nodes = load('batched');
    expect(one(nodes, 'join')).toMatchObject({
      mode: 'custom',
      build: 'array',
      count: '1000',
      timeout: '0.1',
    });
    expect(one(nodes, 'sqlite').sqlquery).toBe('msg.topic');
    const quoted = { ...speed(1), device_id: "o'brien" };
    const batch = [...Array.from({ length: 998 }, (_, i) => telemetry(i)), speed(0), quoted];
    const out = runFunction(one(nodes, 'function'), { payload: batch }) as { topic: string };
    const file = join(tempDir('peers-flow-'), 'readings.db');
    createReadingsTable(file);
    const db = new Database(file);
    db.exec(out.topic);
    db.close();
    const rows = readings(file);
    expect(rows).toHaveLength(1000);
    expect(rows[997]).toMatchObject({ device_id: 'bench_01', seq: 997, ignition: 1 });
    for (const s of BUILTIN_SIGNALS) expect(rows[997]?.[s.key], s.key).not.toBeNull();
    expect(rows[998]).toMatchObject({ device_id: 'bench_02', speed: 42, lat: null });
    expect(rows[999]).toMatchObject({ device_id: "o'brien", seq: 1 });
  });
});
