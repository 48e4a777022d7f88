/**
 * One attempt at one "ask" job, independent of BullMQ: validate → reply.start → images +
 * history → answer (streaming edits) → reply.finish → remember the turn.
 *
 * Exactly-once bookkeeping lives in the job's ReplyState, so that any attempt (on any
 * worker) resumes where the previous one stopped: a generated answer is cached before it
 * is posted (a failed post does not re-run the model), the thread-memory append happens
 * once, and a job marked `completed` is never answered again.
 */
import type { Redis } from 'ioredis';
import type { Config } from '../config/env.js';
import type { Logger } from '../log.js';
import type { Answer, Answerer, ChatTurn } from '../rag/types.js';
import { answerToRemember, type FeedbackStore } from './feedback.js';
import { GENERIC_APOLOGY, isTransientError, PermanentJobError, userMessageFor } from './errors.js';
import { MAX_IMAGE_BYTES, readAttachedImage } from './fetch-image.js';
import { askJobSchema, type AskJob, type Platform } from './job.js';
import type { PlatformWorkerSide, Reply, ReplyState } from './reply.js';
import { createReplyState } from './reply-state.js';
import type { ThreadMemory } from './thread-memory.js';
import { createEditThrottle } from './throttle.js';

export interface AskJobDeps {
  config: Config;
  connection: Redis;
  answerer: Answerer;
  platforms: Partial<Record<Platform, PlatformWorkerSide>>;
  memory: ThreadMemory;
  /** Remembers each answer so that feedback clicks can be stored with it. */
  feedback?: FeedbackStore;
  logger: Logger;
}

export interface JobAttempt {
  jobId: string;
  data: unknown;
  /** Attempts that already failed (0 on the first one). */
  attemptsMade: number;
  attempts: number;
  /** Aborted when the worker shuts down: the attempt then stops without telling the user. */
  signal?: AbortSignal;
}

export type AttemptOutcome = 'answered' | 'already-answered';

/** State fields this module owns (platform Replies use their own field names). */
const DONE = 'job:completed';
const FAILED = 'job:failed';
const ANSWER = 'job:answer';
const REMEMBERED = 'job:remembered';

export async function runAskAttempt(deps: AskJobDeps, attempt: JobAttempt): Promise<AttemptOutcome> {
  const logger = deps.logger.child({ jobId: attempt.jobId, attempt: attempt.attemptsMade + 1 });
  const state = createReplyState(deps.connection, deps.config.redis.prefix, attempt.jobId);

  const parsed = askJobSchema.safeParse(attempt.data);
  if (!parsed.success) {
    logger.error({ issue: parsed.error.issues[0]?.message }, 'invalid job payload');
    await failInvalidPayload(deps, attempt.data, state, logger);
    throw new PermanentJobError('invalid job payload', GENERIC_APOLOGY);
  }
  const job = parsed.data;
  const side = deps.platforms[job.platform];
  if (!side) throw new PermanentJobError(`no worker side for platform ${job.platform}`, GENERIC_APOLOGY);
  if (await state.get(DONE)) return 'already-answered';

  const reply = side.createReply({ job, answerId: attempt.jobId, state, logger, editIntervalMs: deps.config.reply.editIntervalMs });
  try {
    await reply.start();
    let answer = await state.get<Answer>(ANSWER);
    if (!answer) {
      answer = await generate(deps, side, job, reply, logger, attempt.signal);
      await state.set(ANSWER, answer);
      // Before posting: a feedback click on the posted answer must find it.
      await deps.feedback?.rememberAnswer(answerToRemember(answer, { answerId: attempt.jobId, ...job }));
    }
    await reply.finish(answer);
    if (!(await state.get(REMEMBERED))) {
      const ref = { platform: job.platform, channelId: job.channelId, threadId: job.threadId };
      await deps.memory.append(ref, { question: job.question, answer: answer.text }, answer.figures.map((f) => f.id));
      await state.set(REMEMBERED, true);
    }
    await state.set(DONE, true);
    logger.info({ mode: answer.mode, retrievalLevel: answer.level, timings: answer.timings }, 'answered');
    return 'answered';
  } catch (err) {
    if (attempt.signal?.aborted) throw err; // shutting down: the job is handed back, not failed
    const transient = isTransientError(err);
    const last = attempt.attemptsMade + 1 >= attempt.attempts;
    if (transient && !last) {
      logger.warn({ err: describe(err) }, 'transient failure; will retry');
      throw err;
    }
    logger.error({ err: describe(err), transient }, 'job failed');
    await failOnce(reply, state, userMessageFor(err), logger);
    throw err instanceof PermanentJobError ? err : new PermanentJobError(describe(err), userMessageFor(err), { cause: err });
  }
}

async function generate(
  deps: AskJobDeps,
  side: PlatformWorkerSide,
  job: AskJob,
  reply: Reply,
  logger: Logger,
  signal: AbortSignal | undefined,
): Promise<Answer> {
  const images: Uint8Array[] = [];
  const notes: string[] = [];
  for (const image of job.images) {
    if (image.bytes > MAX_IMAGE_BYTES) {
      throw new PermanentJobError('attached image over the size cap', `The attached image is larger than ${MAX_IMAGE_BYTES / (1024 * 1024)} MB; please send a smaller one.`);
    }
    // Normalised once here, so CLIP and the vision model see the same PNG/JPEG; unreadable → a note.
    const read = await readAttachedImage(() => side.fetchImage(image.url, MAX_IMAGE_BYTES));
    if ('bytes' in read) images.push(read.bytes);
    else notes.push(read.note);
  }
  const { history, shownFigureIds } = await loadHistory(deps, side, job, logger);
  // Coalesce tokens: at most one update in flight, always with the newest text. The
  // platform Reply applies its own edit interval on top.
  const stream = createEditThrottle({
    intervalMs: 0,
    edit: (text) => reply.update(text),
    onError: (err) => logger.warn({ err: describe(err) }, 'streaming edit failed'),
  });
  let text = '';
  try {
    const answer = await deps.answerer.answer(job.question, {
      history,
      images,
      shownFigureIds,
      signal,
      onToken: (token) => {
        text += token;
        stream.push(text);
      },
    });
    return notes.length ? { ...answer, text: `${notes.join('\n')}\n\n${answer.text}` } : answer;
  } finally {
    await stream.cancel();
  }
}

/** The thread's earlier turns and the figures already shown in it. */
async function loadHistory(
  deps: AskJobDeps,
  side: PlatformWorkerSide,
  job: AskJob,
  logger: Logger,
): Promise<{ history: ChatTurn[]; shownFigureIds: string[] }> {
  const { turns, figureIds } = await deps.memory.get({ platform: job.platform, channelId: job.channelId, threadId: job.threadId });
  if (turns.length > 0 || !side.fetchHistory) return { history: turns, shownFigureIds: figureIds };
  try {
    return { history: (await side.fetchHistory(job)).slice(-deps.config.memory.turns), shownFigureIds: figureIds };
  } catch (err) {
    logger.warn({ err: describe(err) }, 'could not read thread history; answering without it');
    return { history: [], shownFigureIds: figureIds };
  }
}

async function failOnce(reply: Reply, state: ReplyState, message: string, logger: Logger): Promise<void> {
  if (await state.get(FAILED)) return;
  try {
    await reply.fail(message);
    await state.set(FAILED, true);
  } catch (err) {
    logger.error({ err: describe(err) }, 'could not post the failure message');
  }
}

/** A payload that does not parse still deserves an apology when we can tell where to post it. */
async function failInvalidPayload(deps: AskJobDeps, data: unknown, state: ReplyState, logger: Logger): Promise<void> {
  const lenient = askJobSchema
    .pick({ platform: true, eventId: true, channelId: true, userId: true })
    .safeParse(data);
  if (!lenient.success) return;
  const side = deps.platforms[lenient.data.platform];
  if (!side) return;
  const raw = data as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
  const job: AskJob = {
    v: 1,
    ...lenient.data,
    threadId: str(raw.threadId),
    placeholderId: str(raw.placeholderId),
    workspaceId: str(raw.workspaceId),
    question: str(raw.question) ?? '',
    images: [],
    meta: {},
    createdAt: Date.now(),
  };
  const reply = side.createReply({ job, answerId: 'invalid-payload', state, logger, editIntervalMs: deps.config.reply.editIntervalMs });
  await failOnce(reply, state, 'Sorry — that request could not be processed.', logger);
}

/** An error as one log-safe line (the logger also scrubs secrets). */
export function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}

/** Make sure a job that failed outside an attempt (e.g. stalled too often) still tells the user. */
export async function failAbandonedJob(deps: AskJobDeps, jobId: string, data: unknown, logger: Logger): Promise<void> {
  const state = createReplyState(deps.connection, deps.config.redis.prefix, jobId);
  if ((await state.get(DONE)) || (await state.get(FAILED))) return;
  const parsed = askJobSchema.safeParse(data);
  if (!parsed.success) return;
  const side = deps.platforms[parsed.data.platform];
  if (!side) return;
  const reply = side.createReply({ job: parsed.data, answerId: jobId, state, logger, editIntervalMs: deps.config.reply.editIntervalMs });
  await failOnce(reply, state, GENERIC_APOLOGY, logger);
}
