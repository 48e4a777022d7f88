/** Start-up shared by every CLI command: `.env`, validated config and the redacting logger. */
import { loadDotEnv, type DotEnvResult } from '../config/dotenv.js';
import { loadConfig, type Config } from '../config/env.js';
import { initLogger, type Logger } from '../log.js';

export interface CliContext {
  config: Config;
  logger: Logger;
  /** The `.env` file that was read, if any. */
  dotEnv?: DotEnvResult;
}

export interface CliContextOptions {
  /** Directory whose `.env` is read (default: the working directory). */
  cwd?: string;
  /** Skip `.env` (tests that build an environment by hand). */
  dotEnv?: boolean;
}

let current: CliContext | undefined;

/**
 * Read `.env` from the working directory (real environment variables win), validate the
 * environment and set up logging. Runs before every command (see main.ts). Throws
 * `ConfigError` with one line naming the variable.
 */
export function createCliContext(env: Record<string, string | undefined> = process.env, options: CliContextOptions = {}): CliContext {
  const dotEnv = options.dotEnv === false ? undefined : loadDotEnv({ cwd: options.cwd, env });
  const config = loadConfig(env);
  const logger = initLogger({ level: config.logLevel, secrets: config.secrets });
  if (dotEnv) {
    logger.debug({ file: dotEnv.file, variables: dotEnv.applied, environmentWins: dotEnv.overridden }, 'read .env');
  } else if (options.dotEnv !== false) {
    logger.debug({ cwd: options.cwd ?? process.cwd() }, 'no .env in the working directory: using the environment only');
  }
  current = { config, logger, dotEnv };
  return current;
}

/** The context created for the running command. */
export function getCliContext(): CliContext {
  return current ?? createCliContext();
}
