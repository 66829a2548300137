// The ingest ceiling in Node: a bare MQTT.js QoS 1 subscriber (persistent session) that only counts, run as its own process.
// Usage: node --import tsx bench/mqtt-sink.ts PORT FILTER COUNT; prints "subscribed", then exits 0 after COUNT messages.
import mqtt from 'mqtt';

const [port, filter, count] = process.argv.slice(2);
const total = Number(count);
if (!port || !filter || !Number.isInteger(total) || total < 1) {
  process.stderr.write('usage: mqtt-sink PORT FILTER COUNT\n');
  process.exit(2);
}

// The collector's client options that matter for throughput (core/mqtt-session.ts): persistent
// session, no debug tracing. MQTT.js sends each PUBACK once the 'message' listeners return.
const client = mqtt.connect({
  host: '127.0.0.1',
  port: Number(port),
  clientId: 'bench_mqttjs_sink',
  clean: false,
  reconnectPeriod: 0,
  log: () => {},
});
let received = 0;
client.on('message', () => {
  received += 1;
  // Leave once the last PUBACK had its turn (its socket write is queued by then).
  if (received === total) setImmediate(() => process.exit(0));
});
client.on('connect', () => {
  client.subscribe(filter, { qos: 1 }, (err) => {
    if (err) {
      process.stderr.write(`subscribe failed: ${err.message}\n`);
      process.exit(1);
    }
    process.stdout.write('subscribed\n');
  });
});
if (process.env.SINK_DEBUG) {
  setInterval(() => process.stderr.write(`mqtt-sink: ${received}\n`), 1000).unref();
}
client.on('error', (err) => {
  if (received >= total) return; // the broker seeing us go
  process.stderr.write(`mqtt-sink: ${err.message}\n`);
  process.exit(1);
});
