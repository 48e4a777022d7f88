// The PlatformModule as `mrag bot` / `mrag worker` use it: HTTP mode on SLACK_PORT answering Slack's
// url_verification, and a clear start-up error when Slack rejects the bot token.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { slackPlatform } from '../../../src/bots/slack/index.js';
import { loadConfig } from '../../../src/config/env.js';
import { ConfigError } from '../../../src/errors.js';
import { createAskGateway } from '../../../src/queue/ask-gateway.js';
import { closeRedisConnection, createRedisConnection, type Redis } from '../../../src/queue/redis.js';
import { cleanPrefix, freePort, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { postSigned } from '../../platforms/slack-standin-payloads.js';
import { SlackStandIn } from '../../platforms/slack-standin.js';
import { APP_TOKEN, BOT_TOKEN, captureLogs, SIGNING_SECRET } from './harness.js';

const prefix = uniquePrefix('slackmod');
let standIn: SlackStandIn;
let connection: Redis;
const { logger, logs } = captureLogs();

beforeAll(async () => {
  standIn = await SlackStandIn.start({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
  connection = createRedisConnection(TEST_REDIS_URL, { logger });
});
afterAll(async () => {
  await standIn.close();
  await closeRedisConnection(connection);
  await cleanPrefix(TEST_REDIS_URL, prefix);
});

describe('slackPlatform', () => {
  it('is configured by SLACK_BOT_TOKEN, listens on SLACK_PORT in HTTP mode and answers url_verification', async () => {
    const port = await freePort();
    const config = loadConfig({ REDIS_PREFIX: prefix, SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: standIn.apiUrl, SLACK_PORT: String(port) });
    expect(slackPlatform.isConfigured(config)).toBe(true);
    expect(slackPlatform.isConfigured(loadConfig({}))).toBe(false);
    const gateway = createAskGateway({ config, connection, logger });
    const adapter = await slackPlatform.startAdapter({ config, gateway, logger });
    try {
      const res = await postSigned(`http://127.0.0.1:${port}/slack/events`, { token: 't', challenge: 'challenge-abc', type: 'url_verification' }, { secret: SIGNING_SECRET });
      expect(res.status).toBe(200);
      expect(await res.json()).toEqual({ challenge: 'challenge-abc' });
    } finally {
      await adapter.stop();
      await gateway.close();
    }
    const side = slackPlatform.createWorkerSide({ config, logger });
    expect(typeof side.createReply).toBe('function');
    expect(typeof side.fetchHistory).toBe('function');
  });

  it('fails to start with a one-line error naming SLACK_BOT_TOKEN when Slack rejects the token', async () => {
    const wrong = ['xoxb', 'not', 'the', 'standin', 'token', '0000'].join('-');
    const config = loadConfig({ REDIS_PREFIX: prefix, SLACK_BOT_TOKEN: wrong, SLACK_APP_TOKEN: APP_TOKEN, SLACK_API_URL: standIn.apiUrl });
    const gateway = createAskGateway({ config, connection, logger });
    try {
      const error = await slackPlatform.startAdapter({ config, gateway, logger }).then(() => undefined, (e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).message).toBe('Slack rejected SLACK_BOT_TOKEN at auth.test (invalid_auth)');
      expect(standIn.callsTo('apps.connections.open').filter((c) => c.token === APP_TOKEN)).toHaveLength(0);
      expect(logs.join('\n')).not.toContain(wrong);
    } finally {
      await gateway.close();
    }
  });
});
