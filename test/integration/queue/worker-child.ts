/**
 * A worker in its own process, for the "worker killed mid-job" test. Configured through
 * the environment (REDIS_URL, REDIS_PREFIX, WORKER_*); records replies in the Redis list
 * EVENTS_KEY and answer starts in STARTS_KEY, so the test can watch from outside.
 */
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createRedisConnection } from '../../../src/queue/redis.js';
import { startAskWorker } from '../../../src/queue/worker.js';
import { createRecordingPlatform } from '../../helpers/recording-platform.js';
import { createStubAnswerer } from '../../helpers/stub-answerer.js';

const config = loadConfig(process.env);
const connection = createRedisConnection(config.redis.url);
const events = createRedisConnection(config.redis.url);
const answerer = createStubAnswerer({
  tokenDelayMs: Number(process.env.TOKEN_DELAY_MS ?? '200'),
  text: () => 'a slow answer streamed word by word so that the test can kill the worker in the middle',
  onStart: async (question) => {
    await events.rpush(process.env.STARTS_KEY!, JSON.stringify({ pid: process.pid, question }));
  },
});
const platform = createRecordingPlatform({ redis: { connection: events, key: process.env.EVENTS_KEY! } });
await startAskWorker({ config, connection, answerer, platforms: { discord: platform }, logger: createLogger({ level: 'silent' }) });
process.stdout.write('ready\n');
