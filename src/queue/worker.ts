/**
 * The BullMQ worker for "ask" jobs: concurrency, retry policy (transient errors only, with
 * exponential backoff), stalled-job recovery, graceful shutdown. The work of one attempt is
 * in process-job.ts.
 */
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Config } from '../config/env.js';
import type { Logger } from '../log.js';
import type { Answerer } from '../rag/types.js';
import { PermanentJobError } from './errors.js';
import type { AskJob, Platform } from './job.js';
import { ASK_QUEUE_NAME } from './keys.js';
import { describe, failAbandonedJob, runAskAttempt, type AskJobDeps, type AttemptOutcome } from './process-job.js';
import type { PlatformWorkerSide } from './reply.js';
import { createFeedbackStore } from './feedback.js';
import { createThreadMemory } from './thread-memory.js';

export interface AskWorkerDeps {
  config: Config;
  connection: Redis;
  answerer: Answerer;
  platforms: Partial<Record<Platform, PlatformWorkerSide>>;
  logger: Logger;
}

export interface RunningAskWorker {
  /**
   * Stop taking jobs and wait for the ones in flight. After `config.worker.shutdownTimeoutMs`
   * the in-flight answers are aborted and their jobs handed back to the queue (another
   * worker, or this one after a restart, answers them).
   */
  close(): Promise<void>;
}

/** Extra time after the abort for jobs to hand themselves back before close() gives up. */
const HAND_BACK_GRACE_MS = 5000;

export async function startAskWorker(deps: AskWorkerDeps): Promise<RunningAskWorker> {
  const { config, logger } = deps;
  const jobDeps: AskJobDeps = {
    ...deps,
    memory: createThreadMemory({ connection: deps.connection, config }),
    feedback: createFeedbackStore(deps.connection, config.redis.prefix),
  };
  let shuttingDown = false;

  // Three parameters: BullMQ passes an AbortSignal only to processors that declare it.
  const processor = async (job: Job<AskJob>, token?: string, signal?: AbortSignal): Promise<AttemptOutcome> => {
    const jobId = job.id ?? 'unknown';
    try {
      return await runAskAttempt(jobDeps, {
        jobId,
        data: job.data,
        attemptsMade: job.attemptsMade,
        attempts: job.opts.attempts ?? 1,
        signal,
      });
    } catch (err) {
      if (shuttingDown && signal?.aborted && token) {
        // Hand the job back without spending an attempt: due now, another worker takes it.
        await job.moveToDelayed(Date.now(), token);
        logger.info({ jobId }, 'shutdown: job handed back to the queue');
        throw new DelayedError();
      }
      if (err instanceof PermanentJobError) throw new UnrecoverableError(err.message);
      throw err;
    }
  };

  const worker = new Worker<AskJob, AttemptOutcome>(ASK_QUEUE_NAME, processor, {
    connection: deps.connection,
    prefix: config.redis.prefix,
    concurrency: config.worker.concurrency,
    lockDuration: config.worker.lockMs,
    stalledInterval: config.worker.stalledIntervalMs,
    maxStalledCount: 2,
    autorun: false,
  });

  worker.on('error', (err) => logger.error({ err: describe(err) }, 'worker error'));
  worker.on('stalled', (jobId) => logger.warn({ jobId }, 'job stalled (its worker died?); requeued'));
  worker.on('failed', (job, err) => {
    if (!job) return;
    // A job that failed without an attempt ending it (e.g. stalled too many times) must
    // still end with an apology rather than a placeholder left forever.
    void (async () => {
      if ((await job.getState()) !== 'failed') return;
      await failAbandonedJob(jobDeps, job.id ?? 'unknown', job.data, logger);
    })().catch((e: unknown) => logger.error({ err: describe(e), cause: describe(err) }, 'could not end a failed job'));
  });

  void worker.run().catch((err: unknown) => logger.error({ err: describe(err) }, 'worker stopped'));
  await worker.waitUntilReady();
  logger.info({ concurrency: config.worker.concurrency }, 'worker ready');

  let closing: Promise<void> | undefined;
  return {
    close() {
      closing ??= (async () => {
        shuttingDown = true;
        const closed = worker.close();
        const abortTimer = setTimeout(() => worker.cancelAllJobs('shutdown'), config.worker.shutdownTimeoutMs);
        let giveUpTimer: ReturnType<typeof setTimeout> | undefined;
        const gaveUp = new Promise<void>((resolve) => {
          giveUpTimer = setTimeout(resolve, config.worker.shutdownTimeoutMs + HAND_BACK_GRACE_MS);
        });
        await Promise.race([closed, gaveUp]);
        clearTimeout(abortTimer);
        clearTimeout(giveUpTimer);
        logger.info('worker closed');
      })();
      return closing;
    },
  };
}
