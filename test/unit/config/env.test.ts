import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../src/errors.js';
import { DEFAULTS, loadConfig } from '../../../src/config/env.js';

function configError(env: Record<string, string>): ConfigError {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('fills every default from an empty environment', () => {
    const config = loadConfig({});
    expect(config.redis).toEqual({ url: DEFAULTS.REDIS_URL, explicit: false, prefix: 'mrag' });
    expect(config.ollama.hosts).toEqual([DEFAULTS.OLLAMA_HOST]);
    expect(config.ollama.model).toBe('llama3.2-vision');
    expect(config.embedding.model).toBe('Xenova/clip-vit-base-patch16');
    expect(config.dataDir).toMatch(/\/data$/);
    expect(config.discord).toBeUndefined();
    expect(config.slack).toBeUndefined();
    expect(config.secrets).toEqual([]);
  });

  it('defaults the retrieval, OCR and HTTP settings to the documented values', () => {
    const config = loadConfig({});
    expect(config.retrieval.level).toBe('auto');
    expect(config.ocr).toEqual({ enabled: true, langs: 'eng' });
    expect(config.figures).toEqual({ describe: false, minSidePx: 32 });
    expect(config.embedding.dtype).toBe('fp32');
    expect(config.http).toMatchObject({ host: '127.0.0.1', port: 8080, workerPort: 0 });
    expect(loadConfig({ RETRIEVAL_LEVEL: '2' }).retrieval.level).toBe(2);
  });

  it('treats empty strings as unset (a copied .env.example works as is)', () => {
    const config = loadConfig({ REDIS_URL: '', DISCORD_TOKEN: '  ', SLACK_BOT_TOKEN: '' });
    expect(config.redis.explicit).toBe(false);
    expect(config.discord).toBeUndefined();
  });

  it.each([
    ['REDIS_URL', 'foo', /^Invalid configuration: REDIS_URL must be a redis:\/\/ or rediss:\/\/ URL.*\(got "foo"\)$/],
    ['OLLAMA_HOST', 'not a url', /^Invalid configuration: OLLAMA_HOST must be an http\(s\) URL/],
    ['WORKER_CONCURRENCY', 'many', /^Invalid configuration: WORKER_CONCURRENCY must be a whole number/],
    ['OLLAMA_AUTO_PULL', 'maybe', /^Invalid configuration: OLLAMA_AUTO_PULL must be true or false/],
    ['DISCORD_APPLICATION_ID', 'abc', /^Invalid configuration: DISCORD_APPLICATION_ID must be a numeric application id/],
    ['RETRIEVAL_LEVEL', '4', /^Invalid configuration: RETRIEVAL_LEVEL must be auto, 1, 2 or 3/],
    ['EMBEDDING_DTYPE', 'int4', /^Invalid configuration: EMBEDDING_DTYPE must be fp32, fp16 or q8/],
    ['HTTP_PORT', '99999', /^Invalid configuration: HTTP_PORT must be at most 65535/],
    ['SLACK_NATIVE_STREAMING', 'sometimes', /^Invalid configuration: SLACK_NATIVE_STREAMING must be auto, true or false/],
  ])('rejects a malformed %s with one line naming it', (name, value, pattern) => {
    const err = configError({ [name]: value });
    expect(err.variable).toBe(name);
    expect(err.message).toMatch(pattern);
    expect(err.message).not.toContain('\n');
  });

  it('never echoes the value of a secret variable in the error', () => {
    const err = configError({ SLACK_BOT_TOKEN: 'not-a-bot-token-but-secret' });
    expect(err.variable).toBe('SLACK_BOT_TOKEN');
    expect(err.message).not.toContain('not-a-bot-token-but-secret');
  });

  it('enables a platform exactly when its credentials are set', () => {
    const discord = loadConfig({ DISCORD_TOKEN: 'discord-token-value-123', DISCORD_API_URL: 'http://127.0.0.1:9999/api/' });
    expect(discord.discord?.apiUrl).toBe('http://127.0.0.1:9999/api');
    expect(discord.slack).toBeUndefined();
    expect(discord.secrets).toEqual(['discord-token-value-123']);

    const socket = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_APP_TOKEN: 'xapp-1-abc' });
    expect(socket.slack?.mode).toBe('socket');
    expect(socket.slack?.apiUrl).toBe('https://slack.com/api/');
    const http = loadConfig({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc', SLACK_SIGNING_SECRET: 'signing-secret' });
    expect(http.slack?.mode).toBe('http');

    expect(configError({ SLACK_BOT_TOKEN: 'xoxb-1-2-abc' }).variable).toBe('SLACK_APP_TOKEN');
    expect(configError({ SLACK_APP_TOKEN: 'xapp-1-abc' }).variable).toBe('SLACK_BOT_TOKEN');
  });

  it('accepts several Ollama hosts and lists', () => {
    const config = loadConfig({ OLLAMA_HOST: 'http://a:11434, http://b:11434/', SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_CHANNEL_IDS: 'C1, C2,' });
    expect(config.ollama.hosts).toEqual(['http://a:11434', 'http://b:11434']);
    expect(config.slack?.channelIds).toEqual(['C1', 'C2']);
  });
});
