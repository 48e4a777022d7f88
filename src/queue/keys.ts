/**
 * Every Redis key and BullMQ name the queue uses, in one place. All of them live under
 * `config.redis.prefix`, so tests isolate themselves with a unique prefix and clean it.
 */
import type { Platform } from './job.js';

/** The BullMQ queue name (BullMQ keys are `<prefix>:ask:*`). */
export const ASK_QUEUE_NAME = 'ask';

/** How long an event id stays claimed (platform retries arrive within minutes; a day is generous). */
export const DEDUPE_TTL_SECONDS = 24 * 3600;

/** How long a job's reply state (ids of posted messages) is kept. */
export const REPLY_STATE_TTL_SECONDS = 2 * 24 * 3600;

/**
 * BullMQ custom job ids may not contain ':' nor be integers; escape them so the id stays
 * readable and the mapping from (platform, eventId) stays one-to-one.
 */
export function askJobId(platform: Platform, eventId: string): string {
  return `${platform}-${eventId.replace(/%/g, '%25').replace(/:/g, '%3A')}`;
}

export const keys = {
  /** Claimed by `AskGateway.admit`: the platform delivered this event. */
  admitted: (prefix: string, platform: Platform, eventId: string) => `${prefix}:event:admitted:${platform}:${eventId}`,
  /** Claimed by `AskGateway.enqueue`: a job exists for this event. */
  enqueued: (prefix: string, platform: Platform, eventId: string) => `${prefix}:event:enqueued:${platform}:${eventId}`,
  rateUser: (prefix: string, platform: Platform, userId: string) => `${prefix}:rate:user:${platform}:${userId}`,
  rateChannel: (prefix: string, platform: Platform, channelId: string) => `${prefix}:rate:channel:${platform}:${channelId}`,
  replyState: (prefix: string, jobId: string) => `${prefix}:reply:${jobId}`,
  thread: (prefix: string, platform: Platform, channelId: string, threadId: string | undefined) =>
    `${prefix}:thread:${platform}:${channelId}:${threadId ?? '-'}`,
};
