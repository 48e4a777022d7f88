/**
 * Shared set-up for queue integration tests: a config under a unique Redis prefix, the
 * real gateway and worker, a recording platform and a stub answerer.
 */
import { randomUUID } from 'node:crypto';
import { loadConfig, type Config } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createAskGateway } from '../../../src/queue/ask-gateway.js';
import type { AskJobInput } from '../../../src/queue/job.js';
import { closeRedisConnection, createRedisConnection, type Redis } from '../../../src/queue/redis.js';
import { startAskWorker } from '../../../src/queue/worker.js';
import type { Answerer } from '../../../src/rag/types.js';
import { createRecordingPlatform, type RecordingPlatformOptions } from '../../helpers/recording-platform.js';
import { cleanPrefix, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

export const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

export function testConfig(env: Record<string, string> = {}): Config {
  return loadConfig({
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: uniquePrefix('queue'),
    HTTP_PORT: '0',
    WORKER_BACKOFF_MS: '20',
    WORKER_LOCK_MS: '2000',
    WORKER_STALLED_INTERVAL_MS: '1000',
    WORKER_SHUTDOWN_TIMEOUT_MS: '2000',
    REPLY_EDIT_INTERVAL_MS: '100',
    ...env,
  });
}

export function askInput(overrides: Partial<AskJobInput> = {}): AskJobInput {
  return {
    v: 1,
    platform: 'discord',
    eventId: randomUUID(),
    channelId: 'c1',
    threadId: 't1',
    userId: 'u1',
    question: 'What is CLIP?',
    createdAt: Date.now(),
    ...overrides,
  };
}

/** Everything a test needs; `close()` stops it all and cleans the prefix. */
export async function startHarness(options: {
  env?: Record<string, string>;
  answerer: Answerer;
  platform?: RecordingPlatformOptions;
  worker?: boolean;
}) {
  const config = testConfig(options.env);
  const connection = createRedisConnection(config.redis.url);
  const workerConnection = createRedisConnection(config.redis.url);
  const gateway = createAskGateway({ config, connection, logger });
  const platform = createRecordingPlatform(options.platform);
  const worker =
    options.worker === false
      ? undefined
      : await startAskWorker({ config, connection: workerConnection, answerer: options.answerer, platforms: { discord: platform }, logger });
  return {
    config,
    connection,
    gateway,
    platform,
    worker,
    async close() {
      await worker?.close();
      await gateway.close();
      await closeRedisConnection(workerConnection);
      await cleanPrefix(config.redis.url, config.redis.prefix);
      await closeRedisConnection(connection);
    },
  };
}

export type Harness = Awaited<ReturnType<typeof startHarness>>;
export type { Redis };
