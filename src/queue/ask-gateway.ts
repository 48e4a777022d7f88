/**
 * The Redis implementation of `AskGateway`, used by every platform adapter:
 * `admit` (dedupe + queue cap + rate limits, before the adapter posts anything) and
 * `enqueue` (validate the payload, one job per platform event).
 */
import type { Redis } from 'ioredis';
import type { Config } from '../config/env.js';
import type { Logger } from '../log.js';
import { createAskQueue, waitingCount } from './ask-queue.js';
import type { Admission, AskGateway, EnqueueResult } from './gateway.js';
import { askJobSchema, type AskJobInput } from './job.js';
import { askJobId, DEDUPE_TTL_SECONDS, keys } from './keys.js';
import { hitRateLimit } from './rate-limit.js';
import { createThreadMemory } from './thread-memory.js';

export const BUSY_MESSAGE = "I'm busy answering other questions right now — please try again in a minute.";
export const UNAVAILABLE_MESSAGE = "I can't reach my question queue right now — please try again in a minute.";

export function rateLimitedMessage(retryAfterMs: number, scope: 'user' | 'channel'): string {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return scope === 'user'
    ? `You're asking faster than I can keep up — please wait about ${seconds} s before your next question.`
    : `This channel is asking a lot of questions at once — please try again in about ${seconds} s.`;
}

/** The first validation problem as a sentence a user can act on. */
function invalidMessage(error: { issues: { path: PropertyKey[]; message: string }[] }): string {
  const issue = error.issues[0];
  if (!issue) return 'That question could not be processed.';
  const field = String(issue.path[0] ?? '');
  if (field === 'question') return issue.message;
  if (field === 'images') return 'Too many or malformed attachments (up to 4 images per question).';
  return `That question could not be processed (invalid ${issue.path.join('.') || 'payload'}).`;
}

export function createAskGateway(deps: { config: Config; connection: Redis; logger: Logger }): AskGateway & {
  close(): Promise<void>;
} {
  const { config, connection, logger } = deps;
  const prefix = config.redis.prefix;
  const queue = createAskQueue(connection, config);
  const memory = createThreadMemory({ connection, config });
  // True from a lost connection until it is ready again (a connection still starting up is
  // not "lost": its commands simply wait for it).
  let redisLost = false;
  const onClose = () => {
    redisLost = true;
  };
  const onReady = () => {
    redisLost = false;
  };
  connection.on('close', onClose);
  connection.on('ready', onReady);

  return {
    async admit(event): Promise<Admission> {
      // With Redis down, ioredis would hold our commands until it reconnects — past the
      // platform's 3 s deadline, with the user told nothing. Say so at once instead; the
      // event is not claimed, so a platform retry can still be answered later.
      if (redisLost) {
        logger.warn({ platform: event.platform, redis: connection.status }, 'Redis unavailable: question turned away');
        return { ok: false, reason: 'busy', message: UNAVAILABLE_MESSAGE };
      }
      const claimed = await connection.set(keys.admitted(prefix, event.platform, event.eventId), '1', 'EX', DEDUPE_TTL_SECONDS, 'NX');
      if (claimed === null) return { ok: false, reason: 'duplicate' };

      if ((await waitingCount(queue)) >= config.limits.queueMaxWaiting) {
        logger.warn({ platform: event.platform }, 'queue full: question turned away');
        return { ok: false, reason: 'busy', message: BUSY_MESSAGE };
      }
      const user = await hitRateLimit(connection, keys.rateUser(prefix, event.platform, event.userId), event.userPerMinute ?? config.limits.userPerMinute);
      if (!user.allowed) return { ok: false, reason: 'rate_limited', message: rateLimitedMessage(user.retryAfterMs, 'user') };
      const channel = await hitRateLimit(
        connection,
        keys.rateChannel(prefix, event.platform, event.channelId),
        config.limits.channelPerMinute,
      );
      if (!channel.allowed) {
        return { ok: false, reason: 'rate_limited', message: rateLimitedMessage(channel.retryAfterMs, 'channel') };
      }
      return { ok: true };
    },

    async enqueue(input: AskJobInput): Promise<EnqueueResult> {
      const parsed = askJobSchema.safeParse(input);
      if (!parsed.success) return { ok: false, reason: 'invalid', message: invalidMessage(parsed.error) };
      const job = parsed.data;
      const jobId = askJobId(job.platform, job.eventId);
      // Our own claim, not the BullMQ job id, decides "duplicate": a finished job may have
      // been removed already, and Queue.add silently returns an existing job.
      const claimKey = keys.enqueued(prefix, job.platform, job.eventId);
      const claimed = await connection.set(claimKey, jobId, 'EX', DEDUPE_TTL_SECONDS, 'NX');
      if (claimed === null) return { ok: false, reason: 'duplicate' };
      try {
        await queue.add('ask', job, { jobId });
      } catch (err) {
        await connection.del(claimKey).catch(() => undefined);
        throw err;
      }
      logger.debug({ jobId, platform: job.platform }, 'job enqueued');
      return { ok: true, jobId };
    },

    isBotThread: (platform, channelId, threadId) => memory.has({ platform, channelId, threadId }),
    markBotThread: (platform, channelId, threadId) => memory.mark({ platform, channelId, threadId }),

    async close() {
      connection.off('close', onClose);
      connection.off('ready', onReady);
      await queue.close();
    },
  };
}
