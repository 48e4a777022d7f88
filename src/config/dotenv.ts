/**
 * `.env` in the working directory, read by every `mrag` command (GUIDE §2). Parsing is
 * Node's own `util.parseEnv` (the syntax of `node --env-file`: `KEY=value`, quotes, `#`
 * comments, `export` prefixes). Variables already in the environment win, including ones
 * set to the empty string: a value given on the command line or by Compose/systemd is
 * never replaced by the file. We merge ourselves rather than calling
 * `process.loadEnvFile`, so that this precedence does not depend on the Node version.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from '../errors.js';

export const ENV_FILE_NAME = '.env';

export interface DotEnvResult {
  /** Absolute path of the file read. */
  file: string;
  /** Variables taken from the file, sorted (names only: values may be secrets). */
  applied: string[];
  /** Variables in the file that the environment already set (the environment won), sorted. */
  overridden: string[];
}

/**
 * Read `<cwd>/.env` into `env` (default `process.env`) without replacing what is set.
 * Returns undefined when there is no such file. Throws `ConfigError` when the file exists
 * but cannot be read (e.g. permissions, a directory of that name).
 */
export function loadDotEnv(options: { cwd?: string; env?: Record<string, string | undefined> } = {}): DotEnvResult | undefined {
  const file = path.resolve(options.cwd ?? process.cwd(), ENV_FILE_NAME);
  const env = options.env ?? process.env;
  let content: string;
  try {
    content = readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new ConfigError(ENV_FILE_NAME, `Cannot read ${file} (${code ?? 'error'}): fix its permissions or remove it.`);
  }
  const parsed = parseEnv(content);
  const applied: string[] = [];
  const overridden: string[] = [];
  for (const [name, value] of Object.entries(parsed)) {
    if (value === undefined) continue;
    if (Object.prototype.hasOwnProperty.call(env, name) && env[name] !== undefined) {
      overridden.push(name);
      continue;
    }
    env[name] = value;
    applied.push(name);
  }
  return { file, applied: applied.sort(), overridden: overridden.sort() };
}
