// Messages between the import's main thread (store writes) and its parsing thread.
import type { BatchColumns } from './batch.js';
import type { BadLine, ParserOptions, ParseStats } from './parser.js';

export interface ParserInput {
  /** A path, or `-` for standard input. */
  file: string;
  options: ParserOptions;
}

/** Batches the parsing thread may post before the main thread has written them. */
export const BATCHES_IN_FLIGHT = 2;

export type FromParser =
  | { kind: 'batch'; batch: BatchColumns; stats: ParseStats }
  | { kind: 'bad'; lines: BadLine[] }
  | { kind: 'end'; stats: ParseStats }
  | { kind: 'fatal'; message: string };

/** One batch written: the parsing thread may post one more. */
export type ToParser = { kind: 'credit' };
