// SQLite online backup that finishes while another process keeps writing: pages per step grow until one step copies the rest.
import Database from 'better-sqlite3';

export interface CopyProgress {
  totalPages: number;
  remainingPages: number;
}

export interface CopyResult {
  pages: number;
  /** Times SQLite started over because another connection wrote the source between two steps. */
  restarts: number;
  steps: number;
}

const FIRST_STEP_PAGES = 1024;
const MAX_STEP_PAGES = 0x7fffffff;

/**
 * Copies the database at `source` into `dest` (a new file) with better-sqlite3's online backup.
 * Each step reads inside one read transaction, so it sees one snapshot; when another connection
 * (the collector) commits between two steps, SQLite restarts the copy from page 1. Doubling the
 * pages per step bounds that: after about log2(pages) steps one step copies the whole file from
 * one snapshot, however often the source is written. Steps run between event-loop turns, so a
 * signal can interrupt (`stopped` makes the next step fail and the copy is abandoned).
 */
export async function onlineCopy(
  source: string,
  dest: string,
  options: { onProgress?: (p: CopyProgress) => void; stopped?: () => boolean } = {},
): Promise<CopyResult> {
  const db = new Database(source, { fileMustExist: true });
  try {
    db.pragma('busy_timeout = 5000');
    // better-sqlite3's first step copies nothing (it learns the size); ours start at `pages`.
    let pages = 0;
    let copied = 0;
    let restarts = 0;
    let steps = 0;
    const meta = await db.backup(dest, {
      progress: (p) => {
        if (options.stopped?.()) throw new Error('interrupted');
        steps += 1;
        // Without a restart a step adds its pages to what was copied; after one it starts at page 1.
        const now = p.totalPages - p.remainingPages;
        if (now < Math.min(p.totalPages, copied + pages)) restarts += 1;
        copied = now;
        options.onProgress?.(p);
        pages = pages === 0 ? FIRST_STEP_PAGES : Math.min(pages * 2, MAX_STEP_PAGES);
        return pages;
      },
    });
    return { pages: meta.totalPages, restarts, steps };
  } finally {
    db.close();
  }
}
