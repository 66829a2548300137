// Main-thread side of the parsing thread: starts it, hands on its messages in order, grants credits.
import { Worker } from 'node:worker_threads';
import type { FromParser, ParserInput, ToParser } from './protocol.js';

/**
 * Node 20 does not apply the main thread's `--import tsx` to a worker's entry module, so a
 * TypeScript entry is loaded through tsx's API; a bundled .js/.mjs entry loads directly.
 */
function startWorker(entry: URL, input: ParserInput): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, { workerData: input });
  const tsx = import.meta.resolve('tsx/esm/api');
  const code = `import(${JSON.stringify(tsx)}).then((tsx) => { tsx.register(); return import(${JSON.stringify(entry.href)}); });`;
  return new Worker(code, { eval: true, workerData: input });
}

export class ParserThread {
  private readonly worker: Worker;
  private readonly queue: FromParser[] = [];
  private wake: (() => void) | undefined;
  private finished = false;

  constructor(input: ParserInput) {
    // Under tsx this module is scripts/import/parser-thread.ts beside the worker's source; bundled
    // by `npm run build` it is part of dist/scripts/import.mjs, the worker dist/scripts/import/.
    const worker = import.meta.url.endsWith('.ts')
      ? './parse-worker.ts'
      : './import/parse-worker.mjs';
    this.worker = startWorker(new URL(worker, import.meta.url), input);
    this.worker.on('message', (m: FromParser) => this.push(m));
    this.worker.on('error', (err) =>
      this.push({ kind: 'fatal', message: `the parsing thread failed: ${err.message}` }),
    );
    this.worker.on('exit', (code) =>
      this.push({ kind: 'fatal', message: `the parsing thread exited (code ${code})` }),
    );
  }

  /** The next message; after `end` or `fatal`, nothing more arrives. */
  async next(): Promise<FromParser> {
    for (;;) {
      const m = this.queue.shift();
      if (m) return m;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  /** One batch written: the thread may post another. */
  credit(): void {
    this.worker.postMessage({ kind: 'credit' } satisfies ToParser);
  }

  /** Ends the thread; a pending next() answers `fatal` ("stopped"). */
  async stop(): Promise<void> {
    this.push({ kind: 'fatal', message: 'stopped' });
    await this.worker.terminate();
  }

  private push(m: FromParser): void {
    if (this.finished) return;
    if (m.kind === 'end' || m.kind === 'fatal') this.finished = true;
    this.queue.push(m);
    this.wake?.();
    this.wake = undefined;
  }
}
