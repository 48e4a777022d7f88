/** Start-up shared by every CLI command: validated config and the redacting logger. */
import { loadConfig, type Config } from '../config/env.js';
import { initLogger, type Logger } from '../log.js';

export interface CliContext {
  config: Config;
  logger: Logger;
}

let current: CliContext | undefined;

/** Validate the environment and set up logging. Runs before every command (see main.ts). */
export function createCliContext(env: Record<string, string | undefined> = process.env): CliContext {
  const config = loadConfig(env);
  const logger = initLogger({ level: config.logLevel, secrets: config.secrets });
  current = { config, logger };
  return current;
}

/** The context created for the running command. */
export function getCliContext(): CliContext {
  return current ?? createCliContext();
}
