// Every child process the harness starts is killed when this process exits, even when a test
// timed out before its cleanup ran: no orphaned brokers or programs after a run.
import type { ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();
let hooked = false;

export function track(child: ChildProcess): void {
  children.add(child);
  child.once('exit', () => children.delete(child));
  if (hooked) return;
  hooked = true;
  process.once('exit', () => {
    for (const c of children) c.kill('SIGKILL');
  });
}
