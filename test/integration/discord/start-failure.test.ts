/**
 * One platform's start-up failure does not stop the others. Discord closes the gateway
 * with 4014 when the application asks for the Message Content intent while it is switched
 * off in the developer portal: the real discord.js client against the stand-in, inside the
 * real composition root (`startApp`) with Slack configured too. Slack keeps answering, and
 * Discord reports itself broken — with the exact fix — in its health (what /readyz shows)
 * and in the log.
 */
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../../src/app/app.js';
import { startDiscordAdapter } from '../../../src/bots/discord/adapter.js';
import { loadConfig } from '../../../src/config/env.js';
import { UserFacingError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { createAskGateway } from '../../../src/queue/ask-gateway.js';
import { closeRedisConnection, createRedisConnection } from '../../../src/queue/redis.js';
import { cleanPrefix, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { createStubAnswerer } from '../../helpers/stub-answerer.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../platforms/discord-standin.js';
import { eventCallback, mentionEvent } from '../../platforms/slack-standin-payloads.js';
import { SlackStandIn } from '../../platforms/slack-standin.js';

const MESSAGE_CONTENT_INTENT = 1 << 15;
const FIX = /Discord Developer Portal → Applications → \(your application\) → Bot → Privileged Gateway Intents → turn on "Message Content Intent"/;
const SLACK_BOT_TOKEN = ['xoxb', 'startfail', '0000', 'token'].join('-');
const SLACK_APP_TOKEN = 'xapp-startfail-0000-token';

let discord: DiscordStandIn;
let slack: SlackStandIn;
const prefix = uniquePrefix('startfail');
const logs: string[] = [];
const logger = createLogger({
  level: 'info',
  pretty: false,
  destination: new Writable({
    write(chunk: Buffer, _enc, callback) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  }),
});

beforeAll(async () => {
  discord = await startDiscordStandIn({ disallowedIntents: MESSAGE_CONTENT_INTENT });
  slack = await SlackStandIn.start({ botToken: SLACK_BOT_TOKEN, appToken: SLACK_APP_TOKEN });
});
afterAll(async () => {
  await discord?.stop();
  await slack?.close();
  await cleanPrefix(TEST_REDIS_URL, prefix);
});

const baseEnv = () => ({
  REDIS_URL: TEST_REDIS_URL,
  REDIS_PREFIX: prefix,
  HTTP_PORT: '0',
  DISCORD_TOKEN: discord.token,
  DISCORD_API_URL: discord.apiUrl,
  SLACK_NATIVE_STREAMING: 'false',
});
const stubAnswerer = (answerer = createStubAnswerer()) => async () => ({ ...answerer, answer: answerer.answer, close: async () => undefined });

describe('a platform that fails to start', () => {
  it('Discord closing the gateway with 4014 fails the adapter at once, with the fix', async () => {
    const config = loadConfig(baseEnv());
    const connection = createRedisConnection(TEST_REDIS_URL);
    const gateway = createAskGateway({ config, connection, logger });
    const started = Date.now();
    try {
      const error = await startDiscordAdapter({ config: config.discord!, gateway, logger, readyTimeoutMs: 30_000 }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(UserFacingError);
      expect((error as Error).message).toMatch(FIX);
      expect(Date.now() - started).toBeLessThan(20_000); // the close, not the 30 s ready timeout, ended the wait
      expect(discord.identifies.at(-1)!.intents & MESSAGE_CONTENT_INTENT).toBe(MESSAGE_CONTENT_INTENT);
    } finally {
      await gateway.close();
      await closeRedisConnection(connection);
    }
  });

  it('does not stop Slack: the app runs, Slack answers, Discord reports the fix in its health and the log', async () => {
    const answerer = createStubAnswerer();
    const config = loadConfig({ ...baseEnv(), SLACK_BOT_TOKEN, SLACK_APP_TOKEN, SLACK_API_URL: slack.apiUrl });
    const app = await startApp({ config, logger, worker: true, bots: true, local: false, createAnswerer: stubAnswerer(answerer) });
    try {
      const health = app.adapters.get('discord')?.health?.();
      expect(health?.ok).toBe(false);
      expect(health?.detail).toMatch(FIX);
      expect(app.adapters.get('slack')?.health?.() ?? { ok: true }).toEqual({ ok: true });
      expect(logs.some((l) => l.includes('"platform":"discord"') && l.includes('adapter failed to start') && /Message Content Intent/.test(l))).toBe(true);

      const ts = slack.nextTs();
      await slack.sendEnvelope('events_api', eventCallback(slack, mentionEvent({ channel: 'CSTILLUP', user: 'UASKER01', text: `<@${slack.botUserId}> still there?`, ts })));
      await slack.waitFor(() => answerer.calls.find((c) => c.question === 'still there?'), 15_000, 'Slack answer');
      await slack.waitFor(() => slack.botMessagesIn('CSTILLUP', ts).find((m) => m.text.includes('Answer to: still there?')), 15_000, 'answer posted');
    } finally {
      await app.stop();
    }
  });

  it('with Discord the only platform, start-up fails with the fix rather than running idle', async () => {
    const config = loadConfig(baseEnv());
    await expect(startApp({ config, logger, worker: true, bots: true, local: false, createAnswerer: stubAnswerer() })).rejects.toThrow(FIX);
  });
});
