/** `.env` in the working directory: read by every command, the real environment wins. */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createCliContext } from '../../../src/cli/context.js';
import { loadDotEnv } from '../../../src/config/dotenv.js';
import { ConfigError } from '../../../src/errors.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-dotenv-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function dir(name: string, content?: string): string {
  const d = path.join(tmp, name);
  mkdirSync(d, { recursive: true });
  if (content !== undefined) writeFileSync(path.join(d, '.env'), content);
  return d;
}

describe('loadDotEnv', () => {
  it('applies the file where the environment has nothing, and lets the environment win everywhere else (even when empty)', () => {
    const cwd = dir('precedence', ['# comment', 'export OLLAMA_MODEL=gemma3', 'REDIS_PREFIX="from-file"', 'HTTP_PORT=9000 # trailing', 'DISCORD_TOKEN=file-token-value', ''].join('\n'));
    const env: Record<string, string | undefined> = { REDIS_PREFIX: 'from-env', DISCORD_TOKEN: '' };
    const result = loadDotEnv({ cwd, env });
    expect(env).toEqual({ OLLAMA_MODEL: 'gemma3', REDIS_PREFIX: 'from-env', HTTP_PORT: '9000', DISCORD_TOKEN: '' });
    expect(result).toEqual({ file: path.join(cwd, '.env'), applied: ['HTTP_PORT', 'OLLAMA_MODEL'], overridden: ['DISCORD_TOKEN', 'REDIS_PREFIX'] });
  });

  it('returns undefined when there is no .env, and changes nothing', () => {
    const env = { A: '1' };
    expect(loadDotEnv({ cwd: dir('none'), env })).toBeUndefined();
    expect(env).toEqual({ A: '1' });
  });

  it('names the file when it exists but cannot be read', () => {
    const cwd = dir('unreadable');
    mkdirSync(path.join(cwd, '.env')); // a directory where the file should be
    expect(() => loadDotEnv({ cwd, env: {} })).toThrow(ConfigError);
    expect(() => loadDotEnv({ cwd, env: {} })).toThrow(/Cannot read .*\.env \(EISDIR\)/);
  });
});

describe('createCliContext', () => {
  it('builds the config from .env: Slack tokens there enable Slack', () => {
    const bot = ['xoxb', 'from', 'dotenv', 'file'].join('-');
    const app = ['xapp', 'from', 'dotenv', 'file'].join('-');
    const cwd = dir('slack', `SLACK_BOT_TOKEN=${bot}\nSLACK_APP_TOKEN=${app}\nLOG_LEVEL=silent\n`);
    const context = createCliContext({}, { cwd });
    expect(context.config.slack).toMatchObject({ mode: 'socket', botToken: bot, appToken: app });
    expect(context.config.secrets).toEqual([bot, app]);
    expect(context.dotEnv?.applied).toEqual(['LOG_LEVEL', 'SLACK_APP_TOKEN', 'SLACK_BOT_TOKEN']);
  });

  it('logs which file it read at debug level, with variable names only', () => {
    const token = ['xoxb', 'secret', 'value', 'in', 'dotenv'].join('-');
    const cwd = dir('debug', `SLACK_BOT_TOKEN=${token}\nSLACK_SIGNING_SECRET=signing-secret-value\nLOG_LEVEL=debug\n`);
    const written: string[] = [];
    const original = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((chunk: string | Uint8Array) => (written.push(String(chunk)), true)) as typeof process.stderr.write;
    try {
      createCliContext({ REDIS_PREFIX: 'from-env' }, { cwd });
    } finally {
      process.stderr.write = original;
    }
    const line = written.map((w) => JSON.parse(w) as Record<string, unknown>).find((l) => l.msg === 'read .env');
    expect(line).toMatchObject({ level: 20, file: path.join(cwd, '.env'), variables: ['LOG_LEVEL', 'SLACK_BOT_TOKEN', 'SLACK_SIGNING_SECRET'] });
    expect(written.join('')).not.toContain(token);
    expect(written.join('')).not.toContain('signing-secret-value');
  });

  it('reports a malformed value from .env as the one-line configuration error', () => {
    const cwd = dir('bad', 'REDIS_URL=localhost:6379\n');
    expect(() => createCliContext({}, { cwd })).toThrow(/REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL/);
  });
});
