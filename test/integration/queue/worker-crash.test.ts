import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { createAskQueue } from '../../../src/queue/ask-queue.js';
import { askJobId } from '../../../src/queue/keys.js';
import { closeRedisConnection, createRedisConnection } from '../../../src/queue/redis.js';
import { startAskWorker } from '../../../src/queue/worker.js';
import { createRecordingPlatform, waitFor, type ReplyEvent } from '../../helpers/recording-platform.js';
import { cleanPrefix } from '../../helpers/redis.js';
import { createStubAnswerer } from '../../helpers/stub-answerer.js';
import { askInput, logger, testConfig } from './harness.js';

const childScript = fileURLToPath(new URL('./worker-child.ts', import.meta.url));
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function spawnWorker(env: Record<string, string>): ChildProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', childScript], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'inherit'] });
  cleanups.push(async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  });
  return child;
}

describe('a worker killed mid-job', () => {
  it('loses nothing: another worker picks the job up and it is answered exactly once', async () => {
    const env = { WORKER_LOCK_MS: '1000', WORKER_STALLED_INTERVAL_MS: '500', WORKER_BACKOFF_MS: '20' };
    const config = testConfig(env);
    const eventsKey = `${config.redis.prefix}:test:events`;
    const startsKey = `${config.redis.prefix}:test:starts`;
    const connection = createRedisConnection(config.redis.url);
    cleanups.push(async () => {
      await cleanPrefix(config.redis.url, config.redis.prefix);
      await closeRedisConnection(connection);
    });

    const child = spawnWorker({ ...env, REDIS_URL: config.redis.url, REDIS_PREFIX: config.redis.prefix, EVENTS_KEY: eventsKey, STARTS_KEY: startsKey, LOG_LEVEL: 'silent' });
    await once(child.stdout!, 'data');

    const queue = createAskQueue(connection, config);
    cleanups.push(() => queue.close());
    const input = askInput({ eventId: 'crash-1' });
    await queue.add('ask', input as never, { jobId: askJobId('discord', input.eventId) });

    // Kill the child while it is streaming the answer (it has posted and edited).
    await waitFor(async () => (await connection.lrange(eventsKey, 0, -1)).some((e) => (JSON.parse(e) as ReplyEvent).type === 'update'));
    child.kill('SIGKILL');
    await once(child, 'exit');
    expect(await (await queue.getJob(askJobId('discord', input.eventId)))?.getState()).toBe('active');

    // A surviving worker (this process) recovers the stalled job.
    const answerer = createStubAnswerer();
    const platform = createRecordingPlatform({ redis: { connection, key: eventsKey } });
    const workerConnection = createRedisConnection(config.redis.url);
    const worker = await startAskWorker({ config, connection: workerConnection, answerer, platforms: { discord: platform }, logger });
    cleanups.push(async () => {
      await worker.close();
      await closeRedisConnection(workerConnection);
    });

    await waitFor(async () => (await (await queue.getJob(askJobId('discord', input.eventId)))?.getState()) === 'completed', { what: 'recovery' });
    const events = (await connection.lrange(eventsKey, 0, -1)).map((e) => JSON.parse(e) as ReplyEvent);
    const finishes = events.filter((e) => e.type === 'finish');
    expect(finishes).toHaveLength(1);
    expect(finishes[0]!.pid).toBe(process.pid);
    // The successor edited the placeholder the killed worker had posted: one message only.
    expect(events.filter((e) => e.type === 'post')).toHaveLength(1);
    expect(new Set(events.map((e) => e.messageId)).size).toBe(1);
    expect(events.filter((e) => e.type === 'fail')).toHaveLength(0);
    expect(await connection.llen(startsKey)).toBe(1);
    expect(answerer.calls).toHaveLength(1);
  });
});
