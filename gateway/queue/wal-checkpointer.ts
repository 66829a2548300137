// The gateway queue's WAL checkpoints on a thread of their own, so the main thread's commits (on every tracker's answer path) never wait for one.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * Why a thread: SQLite checkpoints when a commit pushes the WAL past `wal_autocheckpoint` pages,
 * inside that commit, copying the WAL into the database and syncing it. Measured with 1,000
 * devices' fixes and confirmations (20 per commit): commit p99 23 ms with the default checkpoint,
 * 6 ms without. A second connection on its own thread runs PASSIVE checkpoints instead, which
 * never block the writer; the main connection's own threshold stays as a backstop, far above what
 * the thread lets the WAL reach.
 */
const WORKER = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.module);
const db = new Database(workerData.path, { fileMustExist: true });
db.pragma('busy_timeout = 1000');
let failing = false;
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
    failing = false;
    parentPort.postMessage(null);
  } catch (err) {
    if (!failing) parentPort.postMessage(String((err && err.message) || err));
    failing = true;
  }
}, workerData.everyMs);
parentPort.on('message', () => {
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

/** Pages of WAL (4 KiB each) after which the main connection checkpoints itself after all. */
export const BACKSTOP_PAGES = 25_000;

export class WalCheckpointer {
  private worker: Worker | undefined;
  /** Checkpoints the thread has completed (one message a second). */
  checkpoints = 0;

  constructor(
    private readonly path: string,
    private readonly everyMs: number,
    private readonly warn: (message: string) => void,
  ) {}

  start(): void {
    if (this.worker) return;
    const module = createRequire(import.meta.url).resolve('better-sqlite3');
    const worker = new Worker(WORKER, {
      eval: true,
      workerData: { module, path: this.path, everyMs: this.everyMs },
    });
    worker.on('message', (m: string | null) => {
      if (m === null) this.checkpoints += 1;
      else this.warn(`WAL checkpoint failed: ${m}`);
    });
    worker.on('error', (err) => this.warn(`WAL checkpoint thread failed: ${err.message}`));
    // Its timer alone must not keep the process alive.
    worker.unref();
    this.worker = worker;
  }

  /** Ends the thread; the main connection's close checkpoints what is left. */
  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
    worker.postMessage('stop');
    await Promise.race([exited, new Promise((r) => setTimeout(r, 2000).unref())]);
    await worker.terminate();
  }
}
