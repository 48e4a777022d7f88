/**
 * The BullMQ "ask" queue and its job options, shared by the gateway (producer) and the
 * worker (consumer) so both agree on prefix, name and retry policy.
 */
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/env.js';
import type { AskJob } from './job.js';
import { ASK_QUEUE_NAME } from './keys.js';

export type AskQueue = Queue<AskJob>;

export function createAskQueue(connection: Redis, config: Config): AskQueue {
  return new Queue<AskJob>(ASK_QUEUE_NAME, {
    connection,
    prefix: config.redis.prefix,
    defaultJobOptions: {
      attempts: config.worker.attempts,
      backoff: { type: 'exponential', delay: config.worker.backoffMs },
      // Finished jobs are kept a while for inspection; dedupe does not depend on them
      // (the gateway's own event keys do that).
      removeOnComplete: { age: 3600, count: 1000 },
      removeOnFail: { age: 7 * 24 * 3600, count: 5000 },
    },
  });
}

/** Jobs not yet started: what the global queue cap is compared with. */
export async function waitingCount(queue: AskQueue): Promise<number> {
  const counts = await queue.getJobCounts('wait', 'prioritized', 'delayed');
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
