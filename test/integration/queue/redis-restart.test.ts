import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createAskGateway } from '../../../src/queue/ask-gateway.js';
import { createAskQueue } from '../../../src/queue/ask-queue.js';
import { closeRedisConnection, createRedisConnection } from '../../../src/queue/redis.js';
import { startAskWorker } from '../../../src/queue/worker.js';
import { createRecordingPlatform, waitFor } from '../../helpers/recording-platform.js';
import { startPrivateRedis } from '../../helpers/redis.js';
import { createStubAnswerer } from '../../helpers/stub-answerer.js';
import { askInput, logger } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('Redis restarted with append-only persistence', () => {
  it('keeps accepted jobs and dedupe claims: all are answered exactly once afterwards', async () => {
    const redis = await startPrivateRedis();
    cleanups.push(() => redis.stop(true));
    const config = loadConfig({ REDIS_URL: redis.url, REDIS_PREFIX: 'restart', WORKER_BACKOFF_MS: '20', WORKER_LOCK_MS: '2000', WORKER_STALLED_INTERVAL_MS: '1000' });
    const connection = createRedisConnection(config.redis.url);
    cleanups.push(() => closeRedisConnection(connection));
    const gateway = createAskGateway({ config, connection, logger });
    cleanups.push(() => gateway.close());

    const inputs = Array.from({ length: 20 }, (_, i) => askInput({ eventId: `r${i}`, question: `q${i}` }));
    for (const input of inputs) expect((await gateway.enqueue(input)).ok).toBe(true);

    // A crash, not a clean shutdown: only what the AOF holds survives.
    await redis.stop(true);
    await redis.restart();

    // Dedupe survived too: redelivered events are still duplicates.
    await waitFor(async () => connection.status === 'ready');
    expect(await gateway.enqueue(inputs[0]!)).toEqual({ ok: false, reason: 'duplicate' });

    // Slow enough that jobs are in flight when Redis goes down the second time.
    const answerer = createStubAnswerer({ tokenDelayMs: 30 });
    const platform = createRecordingPlatform();
    const workerConnection = createRedisConnection(config.redis.url);
    const worker = await startAskWorker({ config, connection: workerConnection, answerer, platforms: { discord: platform }, logger });
    cleanups.push(async () => {
      await worker.close();
      await closeRedisConnection(workerConnection);
    });

    // Restart again while the worker is connected and answering.
    await waitFor(() => platform.events.some((e) => e.type === 'finish'));
    const answeredBefore = new Set(platform.events.filter((e) => e.type === 'finish').map((e) => e.eventId)).size;
    expect(answeredBefore).toBeLessThan(20);
    await redis.stop(true);
    await redis.restart();

    const finishes = await waitFor(() => {
      const f = platform.events.filter((e) => e.type === 'finish');
      return new Set(f.map((e) => e.eventId)).size === 20 ? f : undefined;
    }, { timeoutMs: 30_000, what: '20 answers after restarts' });
    const queue = createAskQueue(connection, config);
    cleanups.push(() => queue.close());
    await waitFor(async () => (await queue.getJobCounts('completed')).completed === 20, { what: '20 completed jobs' });
    expect(finishes).toHaveLength(20);
    expect(platform.events.filter((e) => e.type === 'fail')).toHaveLength(0);
  });
});
