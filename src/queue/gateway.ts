/**
 * What a platform adapter (the bot side) needs from the queue: admit an incoming event
 * (dedupe + rate limits + queue cap) before posting anything, then enqueue the job.
 * Implemented in src/queue/ with Redis; adapters depend only on this interface.
 */
import type { AskJobInput, Platform } from './job.js';

export interface IncomingEvent {
  platform: Platform;
  /** Platform event id (message id, interaction id, Slack event_id). */
  eventId: string;
  userId: string;
  channelId: string;
  /** Questions per minute allowed to this user instead of RATE_LIMIT_USER_PER_MINUTE (the single local user of the web chat or terminal). */
  userPerMinute?: number;
}

export type Admission =
  | { ok: true }
  /** Already seen: a platform retry or a duplicate delivery. Do nothing. */
  | { ok: false; reason: 'duplicate' }
  /** Too many questions, or the queue is full: `message` is a friendly reply to show the user. */
  | { ok: false; reason: 'rate_limited' | 'busy'; message: string };

export type EnqueueResult =
  | { ok: true; jobId: string }
  | { ok: false; reason: 'duplicate' }
  /** The payload failed validation: `message` is user-facing (e.g. "The question is empty."). */
  | { ok: false; reason: 'invalid'; message: string };

export interface AskGateway {
  admit(event: IncomingEvent): Promise<Admission>;
  enqueue(job: AskJobInput): Promise<EnqueueResult>;
  /** True when the bot has answered in this thread (thread memory exists). */
  isBotThread(platform: Platform, channelId: string, threadId: string): Promise<boolean>;
  /** Mark a thread as the bot's own (e.g. as soon as the adapter creates it). */
  markBotThread(platform: Platform, channelId: string, threadId: string): Promise<void>;
}
