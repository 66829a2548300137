// Structured, namespaced logging (pino) on stderr, so stdout stays free for summaries: JSON lines, or human lines on a terminal.
import { pino } from 'pino';
import { prettyStream } from './log-pretty.js';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
/** auto: human lines when stderr is a terminal, JSON lines otherwise (LOG_FORMAT). */
export type LogFormat = 'auto' | 'json' | 'pretty';

export interface LoggerOptions {
  format?: LogFormat;
  /** Whether stderr is a terminal (injectable for tests). */
  isTTY?: boolean;
  /** Colour codes in human lines (default: on a terminal, unless NO_COLOR is set). */
  colour?: boolean;
}

/** What LOG_FORMAT means for this process: pretty only when asked or when a person is watching. */
export function resolveLogFormat(format: LogFormat, isTTY: boolean): 'json' | 'pretty' {
  if (format === 'auto') return isTTY ? 'pretty' : 'json';
  return format;
}

export function createLogger(level: LogLevel, name: string, options: LoggerOptions = {}): Logger {
  const isTTY = options.isTTY ?? process.stderr.isTTY === true;
  const base = { name, level, base: { pid: process.pid } };
  if (resolveLogFormat(options.format ?? 'auto', isTTY) === 'json') {
    return pino(base, pino.destination({ fd: 2, sync: false }));
  }
  // A person reads these at human rates: synchronous writes, so nothing is lost at exit.
  const colour = options.colour ?? (isTTY && process.env.NO_COLOR === undefined);
  return pino(base, prettyStream(pino.destination({ fd: 2, sync: true }), { colour }));
}

/** A logger that drops everything: for tests and embedded use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
