// Progress of a long job on stderr: one line redrawn in place on a terminal (with the elapsed time), plain lines otherwise.

export interface StatusOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

export interface StatusLineOptions {
  /** Not a terminal: print each new status as a plain line (false: print nothing, e.g. --json). */
  plain: boolean;
  clock?: () => number;
  /** Redraw period on a terminal, for the elapsed time. */
  everyMs?: number;
}

/**
 * Only stderr: stdout carries the job's result (a table, or --json's one document). On a terminal
 * the line is redrawn every second even when the status has not changed, so a long drain or
 * benchmark run visibly ticks; elsewhere (CI logs, pipes) each status is one line, and nothing
 * is redrawn.
 */
export class StatusLine {
  private text = '';
  private since = 0;
  private timer: NodeJS.Timeout | undefined;
  private shown = false;
  private readonly clock: () => number;

  constructor(
    private readonly out: StatusOutput,
    private readonly options: StatusLineOptions,
  ) {
    this.clock = options.clock ?? Date.now;
  }

  get tty(): boolean {
    return this.out.isTTY === true;
  }

  /** A new status: what the job is doing now (its elapsed time restarts). */
  set(text: string): void {
    this.text = text;
    this.since = this.clock();
    if (this.tty) {
      this.draw();
      if (!this.timer) {
        this.timer = setInterval(() => this.draw(), this.options.everyMs ?? 1000);
        this.timer.unref();
      }
    } else if (this.options.plain) {
      this.out.write(`${text}\n`);
    }
  }

  /** A line that stays (a result, a warning): printed above the status line. */
  say(line: string): void {
    if (this.tty) {
      this.erase();
      this.out.write(`${line}\n`);
      if (this.text) this.draw();
    } else if (this.options.plain) {
      this.out.write(`${line}\n`);
    }
  }

  /** What the terminal shows: the status and how long it has lasted. */
  line(): string {
    const s = Math.floor((this.clock() - this.since) / 1000);
    const elapsed = `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
    return `${this.text}  [${elapsed}]`;
  }

  private draw(): void {
    const width = Math.max(20, (this.out.columns || 100) - 1);
    this.out.write(`\r${this.line().slice(0, width)}\x1b[K`);
    this.shown = true;
  }

  private erase(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
  }

  /** Erases the line (a terminal) and stops redrawing. Safe to call twice. */
  stop(): void {
    clearInterval(this.timer);
    this.timer = undefined;
    if (this.tty) this.erase();
    this.text = '';
  }
}
