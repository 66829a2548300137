// The import's progress on stderr: a bar redrawn a few times a second on a terminal, a plain line every 10 s otherwise.

export interface ProgressFigures {
  bytes: number;
  /** Input size; undefined for standard input. */
  totalBytes: number | undefined;
  rows: number;
  stored: number;
  elapsedMs: number;
}

export interface ProgressOutput {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

const TTY_EVERY_MS = 200;
const PLAIN_EVERY_MS = 10_000;
const BAR_WIDTH = 24;

export class ProgressDisplay {
  private lastDraw = Number.NEGATIVE_INFINITY;
  private shown = false;

  constructor(
    private readonly out: ProgressOutput,
    private readonly clock: () => number = () => performance.now(),
  ) {}

  private get tty(): boolean {
    return this.out.isTTY === true;
  }

  /** Draws when enough time has passed since the last drawing. */
  update(f: ProgressFigures): void {
    const now = this.clock();
    if (now - this.lastDraw < (this.tty ? TTY_EVERY_MS : PLAIN_EVERY_MS)) return;
    this.lastDraw = now;
    if (this.tty) {
      const width = Math.max(40, (this.out.columns || 120) - 1);
      this.out.write(`\r${barLine(f).slice(0, width)}\x1b[K`);
      this.shown = true;
    } else if (f.elapsedMs >= PLAIN_EVERY_MS) {
      this.out.write(`${plainLine(f)}\n`);
    }
  }

  /** Erases the bar so another line can be printed (a terminal only). */
  clear(): void {
    if (this.shown) this.out.write('\r\x1b[K');
    this.shown = false;
    this.lastDraw = Number.NEGATIVE_INFINITY;
  }
}

const mb = (bytes: number) => (bytes / 1e6).toFixed(1);
const rate = (f: ProgressFigures) => Math.round(f.rows / Math.max(f.elapsedMs / 1000, 0.001));

function fraction(f: ProgressFigures): number | undefined {
  if (f.totalBytes === undefined || f.totalBytes <= 0) return undefined;
  return Math.min(1, f.bytes / f.totalBytes);
}

export function barLine(f: ProgressFigures): string {
  const done = fraction(f);
  const parts: string[] = ['import'];
  if (done !== undefined) {
    const filled = Math.round(done * BAR_WIDTH);
    parts.push(`[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}]`);
    parts.push(`${(done * 100).toFixed(1).padStart(5)}%`);
    parts.push(`${mb(f.bytes)}/${mb(f.totalBytes ?? 0)} MB`);
  } else {
    parts.push(`${mb(f.bytes)} MB`);
  }
  parts.push(`${f.rows} rows`, `${f.stored} stored`, `${rate(f)} rows/s`);
  if (done !== undefined && done > 0 && done < 1) {
    const left = Math.round(((f.elapsedMs / done) * (1 - done)) / 1000);
    parts.push(`ETA ${Math.floor(left / 60)}:${String(left % 60).padStart(2, '0')}`);
  }
  return parts.join('  ');
}

export function plainLine(f: ProgressFigures): string {
  const done = fraction(f);
  const where =
    done === undefined
      ? `${mb(f.bytes)} MB read`
      : `${(done * 100).toFixed(1)}% of ${mb(f.totalBytes ?? 0)} MB`;
  return `import: ${where}, ${f.rows} rows, ${f.stored} stored, ${rate(f)} rows/s`;
}
