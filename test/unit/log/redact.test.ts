import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger, redactSecrets } from '../../../src/log.js';

function collectingLogger(secrets: string[]) {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { logger: createLogger({ level: 'trace', secrets, pretty: false, destination }), lines };
}

// Token-shaped test values, assembled at run time so that no token-like literal is committed.
const slackBot = ['xoxb', '111111111111', '222222222222', 'abcdefghijklmnopqrstuvwx'].join('-');
const slackApp = ['xapp', '1', 'A0000000000', '3333333333333', 'deadbeefdeadbeef'].join('-');
const discordToken = ['MTExMTExMTExMTExMTExMTExMQ', 'GAbcde', 'abcdefghijklmnopqrstuvwxyz0123456789AB'].join('.');

describe('logging never shows a secret', () => {
  const config = loadConfig({ SLACK_BOT_TOKEN: slackBot, SLACK_APP_TOKEN: slackApp, DISCORD_TOKEN: discordToken });

  it('scrubs the whole config object, error messages, URLs and nested fields', () => {
    const { logger, lines } = collectingLogger(config.secrets);
    logger.info({ config }, 'starting');
    logger.error({ err: new Error(`auth failed for ${slackBot}`) }, 'oops');
    logger.warn(`GET https://example.invalid/api?token=${discordToken}`);
    logger.debug({ deep: { deeper: [{ header: `Bearer ${slackApp}` }] } }, 'nested');
    logger.info({ headers: { authorization: 'Bot whatever' } }, 'headers');
    const all = lines.join('');
    expect(lines).toHaveLength(5);
    for (const secret of [slackBot, slackApp, discordToken, 'Bot whatever']) expect(all).not.toContain(secret);
    expect(all).toContain('[REDACTED]');
    // Non-secret content survives.
    expect(all).toContain('llama3.2-vision');
    expect(all).toContain('auth failed for');
  });

  it('catches token shapes even when the value was not configured', () => {
    const { logger, lines } = collectingLogger([]);
    logger.info(`leaked ${slackBot} and ${discordToken}`);
    expect(lines.join('')).not.toMatch(/xoxb-|MTExMTEx/);
  });

  it('redactSecrets leaves ordinary text alone', () => {
    expect(redactSecrets('hello world, xoxo and M.A.N', ['world-secret'])).toBe('hello world, xoxo and M.A.N');
  });
});
