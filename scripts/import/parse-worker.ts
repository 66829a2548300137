// The import's parsing thread: reads the file and posts batches of valid readings while the main thread writes.
import { createReadStream, fstatSync } from 'node:fs';
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { parentPort, workerData } from 'node:worker_threads';
import { transferList } from './batch.js';
import { Parser } from './parser.js';
import { BATCHES_IN_FLIGHT, type FromParser, type ParserInput, type ToParser } from './protocol.js';
import { ImportFatalError } from './rows.js';

const CHUNK_BYTES = 1 << 20;

const port = parentPort;
if (!port) throw new Error('parse-worker runs as a worker thread');
const input = workerData as ParserInput;
let credits = BATCHES_IN_FLIGHT;
let wake: (() => void) | undefined;
port.on('message', (m: ToParser) => {
  if (m.kind !== 'credit') return;
  credits += 1;
  wake?.();
  wake = undefined;
});

const send = (message: FromParser, transfer: ArrayBuffer[] = []) =>
  port.postMessage(message, transfer);

async function post(parser: Parser, flush: boolean): Promise<void> {
  const bad = parser.takeBadLines();
  if (bad.length > 0) send({ kind: 'bad', lines: bad });
  for (const batch of parser.takeBatches(flush)) {
    while (credits === 0) await new Promise<void>((resolve) => (wake = resolve));
    credits -= 1;
    send({ kind: 'batch', batch, stats: parser.stats }, transferList(batch));
  }
}

/**
 * Standard input from a pipe or socket is read as a non-blocking stream: a blocking read of a pipe
 * whose writer stays open would hold the thread (and the process's exit) after a SIGINT until the
 * writer sent more. A redirected file is read like any file.
 */
function standardInput(): Readable {
  const stat = fstatSync(0);
  if (stat.isFIFO() || stat.isSocket())
    return new Socket({ fd: 0, readable: true, writable: false });
  return createReadStream('-', { fd: 0, autoClose: false, highWaterMark: CHUNK_BYTES });
}

try {
  const parser = new Parser(input.options);
  const stream =
    input.file === '-'
      ? standardInput()
      : createReadStream(input.file, { highWaterMark: CHUNK_BYTES });
  for await (const chunk of stream) {
    parser.push(chunk as Buffer, Date.now());
    await post(parser, false);
  }
  parser.end();
  await post(parser, true);
  send({ kind: 'end', stats: parser.stats });
} catch (err) {
  const message =
    err instanceof ImportFatalError
      ? err.message
      : `cannot read ${input.file === '-' ? 'standard input' : input.file}: ${(err as Error).message}`;
  send({ kind: 'fatal', message });
}
