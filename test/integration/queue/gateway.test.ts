import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createAskGateway, UNAVAILABLE_MESSAGE } from '../../../src/queue/ask-gateway.js';
import { createAskQueue } from '../../../src/queue/ask-queue.js';
import { closeRedisConnection, createRedisConnection } from '../../../src/queue/redis.js';
import { waitFor } from '../../helpers/recording-platform.js';
import { startPrivateRedis, uniquePrefix } from '../../helpers/redis.js';
import { createStubAnswerer } from '../../helpers/stub-answerer.js';
import { askInput, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const event = (eventId: string, userId = 'u1', channelId = 'c1') => ({ platform: 'discord' as const, eventId, userId, channelId });

async function countJobs(harness: Harness): Promise<number> {
  const queue = createAskQueue(harness.connection, harness.config);
  try {
    const counts = await queue.getJobCounts();
    return Object.values(counts).reduce((a, b) => a + b, 0);
  } finally {
    await queue.close();
  }
}

describe('ask gateway', () => {
  it('admits an event once: a duplicate delivery is reported as duplicate', async () => {
    h = await startHarness({ answerer: createStubAnswerer(), worker: false });
    expect(await h.gateway.admit(event('e1'))).toEqual({ ok: true });
    expect(await h.gateway.admit(event('e1'))).toEqual({ ok: false, reason: 'duplicate' });
    // The same id on another platform is another event.
    expect(await h.gateway.admit({ ...event('e1'), platform: 'slack' })).toEqual({ ok: true });
  });

  it('enqueues one job per platform event, whatever the number of deliveries', async () => {
    h = await startHarness({ answerer: createStubAnswerer(), worker: false });
    const input = askInput({ eventId: 'msg:42' });
    const results = await Promise.all([1, 2, 3, 4, 5].map(() => h!.gateway.enqueue(input)));
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok && r.reason === 'duplicate')).toHaveLength(4);
    expect(results.find((r) => r.ok)).toEqual({ ok: true, jobId: 'discord-msg%3A42' });
    expect(await countJobs(h)).toBe(1);
  });

  it('rejects an invalid payload with a user-facing message and enqueues nothing', async () => {
    h = await startHarness({ answerer: createStubAnswerer(), worker: false });
    expect(await h.gateway.enqueue(askInput({ question: '   ' }))).toEqual({ ok: false, reason: 'invalid', message: 'The question is empty.' });
    const long = await h.gateway.enqueue(askInput({ question: 'x'.repeat(5000) }));
    expect(long).toMatchObject({ ok: false, reason: 'invalid', message: expect.stringMatching(/too long/) });
    const badImage = await h.gateway.enqueue(askInput({ images: [{ url: 'not a url', bytes: 1 }] }));
    expect(badImage).toMatchObject({ ok: false, reason: 'invalid' });
    expect(await countJobs(h)).toBe(0);
    // A corrected retry of the same event is still accepted: nothing was claimed.
    const input = askInput({ question: '' });
    await h.gateway.enqueue(input);
    expect(await h.gateway.enqueue({ ...input, question: 'fixed' })).toMatchObject({ ok: true });
  });

  it('limits questions per user and per channel with a friendly reply', async () => {
    h = await startHarness({
      answerer: createStubAnswerer(),
      worker: false,
      env: { RATE_LIMIT_USER_PER_MINUTE: '2', RATE_LIMIT_CHANNEL_PER_MINUTE: '3' },
    });
    expect(await h.gateway.admit(event('a1', 'alice'))).toEqual({ ok: true });
    expect(await h.gateway.admit(event('a2', 'alice'))).toEqual({ ok: true });
    const limited = await h.gateway.admit(event('a3', 'alice'));
    expect(limited).toMatchObject({ ok: false, reason: 'rate_limited', message: expect.stringMatching(/wait about \d+ s/) });
    // Another user in the same channel still gets through, until the channel limit.
    expect(await h.gateway.admit(event('b1', 'bob'))).toEqual({ ok: true });
    const channel = await h.gateway.admit(event('b2', 'bob'));
    expect(channel).toMatchObject({ ok: false, reason: 'rate_limited', message: expect.stringMatching(/channel/) });
    // Other channels are unaffected.
    expect(await h.gateway.admit(event('c1', 'carol', 'other'))).toEqual({ ok: true });
  });

  it('turns questions away with "busy" when the queue is full', async () => {
    h = await startHarness({ answerer: createStubAnswerer(), worker: false, env: { QUEUE_MAX_WAITING: '2' } });
    for (const id of ['q1', 'q2']) {
      expect(await h.gateway.admit(event(id, id))).toEqual({ ok: true });
      await h.gateway.enqueue(askInput({ eventId: id, userId: id }));
    }
    expect(await h.gateway.admit(event('q3', 'q3'))).toMatchObject({ ok: false, reason: 'busy', message: expect.stringMatching(/try again in a minute/) });
  });

  it('marks and recognises the bot’s threads', async () => {
    h = await startHarness({ answerer: createStubAnswerer(), worker: false });
    expect(await h.gateway.isBotThread('slack', 'C1', '171.1')).toBe(false);
    await h.gateway.markBotThread('slack', 'C1', '171.1');
    expect(await h.gateway.isBotThread('slack', 'C1', '171.1')).toBe(true);
    expect(await h.gateway.isBotThread('slack', 'C1', '171.2')).toBe(false);
  });

  it('puts no secret into the job payload', async () => {
    h = await startHarness({
      answerer: createStubAnswerer(),
      worker: false,
      env: { DISCORD_TOKEN: ['MTIzNDU2Nzg5MDEyMzQ1Njc4', 'abcdef', 'secret-token-value-0123456789abcd'].join('.') },
    });
    const input = askInput();
    const result = await h.gateway.enqueue({ ...input, botToken: h.config.discord!.token } as never);
    expect(result.ok).toBe(true);
    const queue = createAskQueue(h.connection, h.config);
    const job = await queue.getJob(result.ok ? result.jobId : '');
    await queue.close();
    expect(JSON.stringify(job?.data)).not.toContain(h.config.discord!.token);
  });
});

describe('ask gateway while Redis is down', () => {
  it('turns a question away at once with a clear message, and answers a retry once Redis is back', async () => {
    const redis = await startPrivateRedis();
    const config = loadConfig({ REDIS_URL: redis.url, REDIS_PREFIX: uniquePrefix('down') });
    const connection = createRedisConnection(config.redis.url);
    const gateway = createAskGateway({ config, connection, logger: createLogger({ level: 'silent' }) });
    try {
      await connection.ping();
      await redis.stop(true);
      await waitFor(() => connection.status === 'reconnecting' || connection.status === 'connecting', { what: 'connection to notice Redis is down' });
      expect(await gateway.admit(event('down-1'))).toEqual({ ok: false, reason: 'busy', message: UNAVAILABLE_MESSAGE });

      await redis.restart();
      await waitFor(() => connection.status === 'ready', { what: 'reconnect' });
      // Nothing was claimed while Redis was down: the platform's retry is admitted.
      expect(await gateway.admit(event('down-1'))).toEqual({ ok: true });
    } finally {
      await gateway.close();
      await closeRedisConnection(connection);
      await redis.stop();
    }
  });
});
