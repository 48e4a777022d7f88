/**
 * Queue benchmark (`npm run bench -- queue [jobs]`): with a no-op answerer, throughput
 * (jobs/s) and enqueue→start latency p50/p99 for a burst of jobs at worker concurrency
 * 1, 4 and 16; enqueue→start at idle; and the end-to-end overhead of one question
 * (admit + enqueue → worker → reply finished) with the stub answerer. Uses REDIS_URL
 * (default 127.0.0.1:6379) under a throwaway prefix. Last stdout line: JSON.
 */
import { loadConfig, type Config } from '../src/config/env.js';
import { createLogger } from '../src/log.js';
import { createAskGateway } from '../src/queue/ask-gateway.js';
import type { AskJob } from '../src/queue/job.js';
import { closeRedisConnection, createRedisConnection } from '../src/queue/redis.js';
import type { PlatformWorkerSide } from '../src/queue/reply.js';
import { startAskWorker } from '../src/queue/worker.js';
import type { Answerer } from '../src/rag/types.js';
import { createStubAnswerer } from '../test/helpers/stub-answerer.js';
import { cleanPrefix } from '../test/helpers/redis.js';

const JOBS = Number(process.argv[2] ?? '400');
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const logger = createLogger({ level: 'silent' });

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return Math.round(sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]! * 10) / 10;
};

/** A platform whose replies cost nothing and which reports finished jobs. */
function nullPlatform(onFinish: (job: AskJob) => void): PlatformWorkerSide {
  return {
    createReply: ({ job }) => ({
      start: async () => undefined,
      update: async () => undefined,
      finish: async () => onFinish(job),
      fail: async () => onFinish(job),
    }),
    fetchImage: async () => new Uint8Array(),
  };
}

async function withSetup<T>(
  concurrency: number,
  answerer: Answerer,
  run: (ctx: { config: Config; gateway: ReturnType<typeof createAskGateway>; finished: (eventId: string) => Promise<number> }) => Promise<T>,
): Promise<T> {
  const config = loadConfig({
    REDIS_URL,
    REDIS_PREFIX: `mragbench-${process.pid}-${concurrency}-${Math.random().toString(36).slice(2, 6)}`,
    WORKER_CONCURRENCY: String(concurrency),
    QUEUE_MAX_WAITING: '100000',
    RATE_LIMIT_USER_PER_MINUTE: '10000',
    RATE_LIMIT_CHANNEL_PER_MINUTE: '100000',
  });
  const waiters = new Map<string, (at: number) => void>();
  const done = new Map<string, number>();
  const platform = nullPlatform((job) => {
    const at = performance.now();
    const w = waiters.get(job.eventId);
    if (w) w(at);
    else done.set(job.eventId, at);
  });
  const connection = createRedisConnection(config.redis.url);
  const workerConnection = createRedisConnection(config.redis.url);
  const gateway = createAskGateway({ config, connection, logger });
  const worker = await startAskWorker({ config, connection: workerConnection, answerer, platforms: { discord: platform }, logger });
  const finished = (eventId: string) =>
    done.has(eventId) ? Promise.resolve(done.get(eventId)!) : new Promise<number>((resolve) => waiters.set(eventId, resolve));
  try {
    return await run({ config, gateway, finished });
  } finally {
    await worker.close();
    await gateway.close();
    await cleanPrefix(config.redis.url, config.redis.prefix);
    await closeRedisConnection(workerConnection);
    await closeRedisConnection(connection);
  }
}

const job = (eventId: string) => ({ v: 1 as const, platform: 'discord' as const, eventId, channelId: 'c', threadId: eventId, userId: 'u', question: 'q', createdAt: Date.now() });

/** Burst: enqueue JOBS at once; answerer records when each job starts. */
async function burst(concurrency: number) {
  const enqueuedAt = new Map<string, number>();
  const startLatency: number[] = [];
  const answerer: Answerer = {
    answer: async (question) => {
      startLatency.push(performance.now() - enqueuedAt.get(question)!);
      return { text: 'ok', sources: [], figures: [], mode: 'llm', timings: {} };
    },
  };
  return await withSetup(concurrency, answerer, async ({ gateway, finished }) => {
    const ids = Array.from({ length: JOBS }, (_, i) => `b${concurrency}-${i}`);
    const t0 = performance.now();
    await Promise.all(
      ids.map(async (id) => {
        enqueuedAt.set(id, performance.now());
        await gateway.enqueue({ ...job(id), question: id });
      }),
    );
    const ends = await Promise.all(ids.map(finished));
    const seconds = (Math.max(...ends) - t0) / 1000;
    return { concurrency, jobs: JOBS, jobsPerSecond: Math.round(JOBS / seconds), startP50Ms: percentile(startLatency, 50), startP99Ms: percentile(startLatency, 99) };
  });
}

/** One question at a time on an idle queue: enqueue→start, and admit→finished with the stub answerer. */
async function idle(samples: number) {
  const startLatency: number[] = [];
  const endToEnd: number[] = [];
  let enqueuedAt = 0;
  const stub = createStubAnswerer();
  const answerer: Answerer = {
    answer: (question, options) => {
      startLatency.push(performance.now() - enqueuedAt);
      return stub.answer(question, options);
    },
  };
  return await withSetup(1, answerer, async ({ gateway, finished }) => {
    for (let i = 0; i < samples + 5; i++) {
      const id = `idle-${i}`;
      await new Promise((r) => setTimeout(r, 20)); // let the worker go back to its blocking wait
      const t0 = performance.now();
      await gateway.admit({ platform: 'discord', eventId: id, userId: 'u', channelId: 'c' });
      enqueuedAt = performance.now();
      await gateway.enqueue({ ...job(id), question: 'What does figure 3 show?' });
      const end = await finished(id);
      if (i >= 5) endToEnd.push(end - t0); // the first few warm up connections and scripts
    }
    const warm = startLatency.slice(5);
    return { samples, startP50Ms: percentile(warm, 50), startP99Ms: percentile(warm, 99), endToEndP50Ms: percentile(endToEnd, 50), endToEndP99Ms: percentile(endToEnd, 99) };
  });
}

const results: Record<string, unknown>[] = [];
for (const c of [1, 4, 16]) {
  const r = await burst(c);
  results.push(r);
  console.log(`burst of ${r.jobs}, concurrency ${c}: ${r.jobsPerSecond} jobs/s, enqueue→start p50 ${r.startP50Ms} ms, p99 ${r.startP99Ms} ms`);
}
const single = await idle(50);
console.log(`idle queue, one question at a time (${single.samples}): enqueue→start p50 ${single.startP50Ms} ms, p99 ${single.startP99Ms} ms; admit→reply finished (stub answerer) p50 ${single.endToEndP50Ms} ms, p99 ${single.endToEndP99Ms} ms`);
console.log(JSON.stringify({ bench: 'queue', burst: results, idle: single }));
