import { afterEach, describe, expect, it } from 'vitest';
import { createAskQueue } from '../../../src/queue/ask-queue.js';
import { closeRedisConnection, createRedisConnection } from '../../../src/queue/redis.js';
import { startAskWorker } from '../../../src/queue/worker.js';
import { waitFor } from '../../helpers/recording-platform.js';
import { createStubAnswerer } from '../../helpers/stub-answerer.js';
import { askInput, logger, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

describe('a burst of 200 questions', () => {
  it('answers every question exactly once across two workers, despite duplicate deliveries', async () => {
    const answerer = createStubAnswerer();
    h = await startHarness({
      answerer,
      env: { WORKER_CONCURRENCY: '8', QUEUE_MAX_WAITING: '1000', RATE_LIMIT_USER_PER_MINUTE: '1000', RATE_LIMIT_CHANNEL_PER_MINUTE: '1000' },
    });
    // A second worker process-equivalent: its own connection, same queue and platform.
    const secondConnection = createRedisConnection(h.config.redis.url);
    const second = await startAskWorker({ config: h.config, connection: secondConnection, answerer, platforms: { discord: h.platform }, logger });
    try {
      const inputs = Array.from({ length: 200 }, (_, i) => askInput({ eventId: `burst-${i}`, userId: `u${i % 7}`, threadId: `t${i}`, question: `question ${i}` }));
      // Every event delivered twice, all at once (a platform retry storm).
      const results = await Promise.all(
        [...inputs, ...inputs].map(async (input) => {
          const admission = await h!.gateway.admit({ platform: 'discord', eventId: input.eventId, userId: input.userId, channelId: input.channelId });
          return admission.ok ? await h!.gateway.enqueue(input) : admission;
        }),
      );
      expect(results.filter((r) => r.ok)).toHaveLength(200);

      const finishes = await waitFor(() => {
        const f = h!.platform.events.filter((e) => e.type === 'finish');
        return f.length >= 200 ? f : undefined;
      }, { timeoutMs: 40_000, what: '200 answers' });
      const queue = createAskQueue(h.connection, h.config);
      const counts = await waitFor(async () => {
        const c = await queue.getJobCounts('completed', 'failed', 'active', 'wait', 'delayed');
        return c.completed === 200 ? c : undefined;
      });
      await queue.close();

      expect(counts).toMatchObject({ completed: 200, failed: 0, active: 0, wait: 0, delayed: 0 });
      expect(finishes).toHaveLength(200);
      expect(new Set(finishes.map((e) => e.eventId)).size).toBe(200);
      expect(h.platform.events.filter((e) => e.type === 'post')).toHaveLength(200);
      expect(h.platform.events.filter((e) => e.type === 'fail')).toHaveLength(0);
      for (const e of finishes) expect(e.text).toBe(`Answer to: question ${e.eventId.slice('burst-'.length)}`);
      expect(answerer.calls).toHaveLength(200);
    } finally {
      await second.close();
      await closeRedisConnection(secondConnection);
    }
  });
});
