// Group commit: fixes arriving in one event-loop turn (many connections) share one SQLite transaction; each caller learns when its own are on disk.
import type { FixQueue, NewFix } from './fix-queue.js';

interface Waiting {
  fixes: readonly NewFix[];
  resolve: (stored: boolean[]) => void;
  reject: (err: unknown) => void;
}

/**
 * Why not one transaction per request: a thousand trackers answering within a second would be a
 * thousand commits; a turn's worth in one commit keeps the answer latency at one turn plus one
 * commit while the cost per fix falls.
 */
export class GroupCommit {
  private waiting: Waiting[] = [];
  commits = 0;

  constructor(
    private readonly queue: FixQueue,
    /** After each commit, with the devices that got new fixes. */
    private readonly committed: (deviceIds: ReadonlySet<string>) => void,
  ) {}

  /** Resolves once the fixes are durable: per fix, new (true) or a resend already stored (false). */
  append(fixes: readonly NewFix[]): Promise<boolean[]> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ fixes, resolve, reject });
      if (this.waiting.length === 1) setImmediate(() => this.flush());
    });
  }

  flush(): void {
    const batch = this.waiting;
    this.waiting = [];
    if (batch.length === 0) return;
    let results: boolean[];
    try {
      results = this.queue.append(batch.flatMap((w) => w.fixes));
    } catch (err) {
      for (const w of batch) w.reject(err);
      return;
    }
    this.commits += 1;
    let at = 0;
    const devices = new Set<string>();
    for (const w of batch) {
      const mine = results.slice(at, at + w.fixes.length);
      at += w.fixes.length;
      w.fixes.forEach((f, i) => {
        if (mine[i]) devices.add(f.deviceId);
      });
      w.resolve(mine);
    }
    // The answers first: each waiter's resolution runs as a microtask once this turn ends, while
    // publishing the new fixes upstream (a query and an MQTT publish per device) waits for the next
    // turn, so a commit of a few hundred fixes does not hold every tracker's answer behind it.
    if (devices.size > 0) setImmediate(() => this.committed(devices));
  }
}
