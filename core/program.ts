// Shared main() plumbing: .env + config validation, logger, and a clean stop on SIGINT/SIGTERM.
import dotenv from 'dotenv';
import { type Config, ConfigError, type ConfigOverrides, loadConfig } from './config.js';
import { createLogger, type Logger } from './log.js';

export type Stop = () => Promise<void>;

/** Longest a clean stop may take after SIGINT/SIGTERM. */
const STOP_TIMEOUT_MS = 15_000;

/**
 * Runs a long-lived program. `build` starts everything and returns its stop function. A bad
 * config prints one line per bad value and exits with code 2; the first signal stops cleanly,
 * a second one exits at once.
 */
export async function runProgram(
  name: string,
  overrides: ConfigOverrides,
  build: (config: Config, log: Logger) => Promise<Stop>,
): Promise<void> {
  dotenv.config({ quiet: true });
  let config: Config;
  try {
    config = loadConfig(process.env, overrides);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    for (const line of err.lines) process.stderr.write(`${name}: config error: ${line}\n`);
    process.exitCode = 2;
    return;
  }
  const log = createLogger(config.logLevel, name, { format: config.logFormat });
  // The signal handlers are in place before anything starts: a SIGINT or SIGTERM while the parts
  // are still starting (their own "started" lines may already be out) stops them once they are
  // up, instead of killing the process half started (a test saw exit 130 that way).
  const built = startAll(name, config, log, build);
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(130);
    stopping = true;
    log.info({ signal }, 'stopping');
    // A part that cannot finish stopping (e.g. a store that stopped answering) must not keep the
    // process alive forever: after STOP_TIMEOUT_MS it exits anyway, saying so.
    setTimeout(() => {
      log.error({ timeoutMs: STOP_TIMEOUT_MS }, 'could not stop cleanly in time; exiting');
      log.flush();
      process.exit(1);
    }, STOP_TIMEOUT_MS).unref();
    built
      .then((stop) => stop?.())
      .catch((err: unknown) => log.error({ err }, 'error while stopping'))
      .finally(() => {
        log.info('stopped');
        log.flush();
        // Everything is closed; exit rather than wait for stray keep-alive handles of libraries,
        // once stdout (a pipe writes asynchronously) has taken the last summary line.
        process.stdout.write('', () => setTimeout(() => process.exit(process.exitCode ?? 0), 50));
      });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if ((await built) === undefined && !stopping) {
    // Did not start (exit code set): nothing to stop.
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** `build`, with its failures reported (undefined then, and process.exitCode set). */
async function startAll(
  name: string,
  config: Config,
  log: Logger,
  build: (config: Config, log: Logger) => Promise<Stop>,
): Promise<Stop | undefined> {
  try {
    return await build(config, log);
  } catch (err) {
    // Values checked only when a part starts (e.g. the dashboard's security settings) print like
    // every other config error.
    if (err instanceof ConfigError) {
      for (const line of err.lines) process.stderr.write(`${name}: config error: ${line}\n`);
      process.exitCode = 2;
      return undefined;
    }
    log.fatal({ err }, 'failed to start');
    log.flush();
    process.exitCode = 1;
    return undefined;
  }
}

/** Turns a parsed flag into an override only when given. */
export function flag(value: string | boolean | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
