// Structured, namespaced logging (pino, JSON lines on stderr so stdout stays free for summaries).
import { pino } from 'pino';

export type Logger = pino.Logger;
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export function createLogger(level: LogLevel, name: string): Logger {
  return pino(
    { name, level, base: { pid: process.pid } },
    pino.destination({ fd: 2, sync: false }),
  );
}

/** A logger that drops everything: for tests and embedded use. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}
