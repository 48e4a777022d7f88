/**
 * Doctor: the configuration. Every malformed variable is reported (not only the first), and
 * the remaining checks run with that variable left at its default, so one typo does not
 * hide the state of Redis or Ollama.
 */
import { accessSync, constants, existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { isLoopbackHost } from '../../app/http-server.js';
import type { DotEnvResult } from '../../config/dotenv.js';
import { loadConfig, type Config } from '../../config/env.js';
import { ConfigError } from '../../errors.js';
import { fail, ok, warn, type DoctorLine } from './checks.js';

/** Validate `env`, dropping each offending variable until it passes; reports one line per problem. */
export function resolveConfig(env: Record<string, string | undefined>): { config: Config; problems: ConfigError[] } {
  const remaining = { ...env };
  const problems: ConfigError[] = [];
  for (let i = 0; i < 50; i++) {
    try {
      return { config: loadConfig(remaining), problems };
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      problems.push(err);
      if (remaining[err.variable] !== undefined) {
        delete remaining[err.variable];
      } else {
        // A missing partner (e.g. SLACK_APP_TOKEN for SLACK_BOT_TOKEN): turn that platform off.
        const family = err.variable.split('_')[0] + '_';
        for (const key of Object.keys(remaining)) if (key.startsWith(family)) delete remaining[key];
      }
    }
  }
  return { config: loadConfig({}), problems };
}

function writableDir(dir: string): string | undefined {
  let probe = dir;
  while (!existsSync(probe)) {
    const parent = path.dirname(probe);
    if (parent === probe) break;
    probe = parent;
  }
  try {
    if (!statSync(probe).isDirectory()) return `${probe} is not a directory`;
    accessSync(probe, constants.W_OK);
    return undefined;
  } catch {
    return `${probe} is not writable by this user`;
  }
}

export function checkConfiguration(config: Config, problems: ConfigError[], dotEnv: DotEnvResult | undefined): DoctorLine[] {
  const lines: DoctorLine[] = [];
  for (const problem of problems) {
    lines.push(fail('configuration', problem.message.replace(/^Invalid configuration: /, ''), `correct ${problem.variable} in ${dotEnv ? dotEnv.file : '.env or the environment'} (see .env.example)`));
  }
  const source = dotEnv
    ? `read ${dotEnv.file} (${dotEnv.applied.length} variables${dotEnv.overridden.length ? `; the environment overrides ${dotEnv.overridden.join(', ')}` : ''})`
    : 'no .env in the working directory (environment only)';
  const platforms = [config.discord ? 'discord' : undefined, config.slack ? `slack (${config.slack.mode === 'socket' ? 'Socket Mode' : 'HTTP mode'})` : undefined].filter(Boolean);
  if (problems.length === 0) {
    lines.push(ok('configuration', `${source}; platforms: ${platforms.length ? platforms.join(', ') : 'none (`mrag start` opens a local chat; `mrag bot` needs one)'}`));
  }
  const dataProblem = writableDir(config.dataDir);
  lines.push(dataProblem ? fail('DATA_DIR', `${config.dataDir}: ${dataProblem}`, 'create the directory or fix its permissions (in Compose: the data volume)') : ok('DATA_DIR', config.dataDir));
  if (!isLoopbackHost(config.http.host) && !config.http.webToken) {
    lines.push(warn('web access', `HTTP_HOST=${config.http.host} is reachable from other machines and WEB_TOKEN is not set: the web chat refuses to start`, 'set WEB_TOKEN (16+ characters), or HTTP_HOST=127.0.0.1'));
  }
  if (!existsSync(config.kbDir)) {
    lines.push(warn('KB_DIR', `${config.kbDir} does not exist: the Compose ingest service has no documents to read`, 'put your documents there, or set KB_DIR'));
  }
  return lines;
}
