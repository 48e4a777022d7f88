/**
 * The feedback store shared by every platform (Slack and Discord buttons, the web chat's
 * 👍/👎): Redis, under the configured prefix.
 *
 * Two steps, so that a click needs nothing but the answer id the button carries:
 * 1. the worker remembers each answer it posts (`rememberAnswer`, keyed by the answer id =
 *    the BullMQ job id; kept ANSWER_TTL_SECONDS);
 * 2. a click records a rating (`record`) joined with that answer: question, answer text,
 *    sources and figures. One rating per (answer, user); a second click replaces the first.
 *
 * Keys: `<prefix>:answer:<answerId>` (JSON, TTL), `<prefix>:feedback` (hash
 * `<answerId>|<userId>` → JSON), `<prefix>:feedback:order` (sorted set by time).
 * `export()` reads them back, oldest first, validated with zod.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Answer } from '../rag/types.js';
import { PLATFORMS } from './job.js';

/** How long a posted answer can still receive feedback (30 days). */
export const ANSWER_TTL_SECONDS = 30 * 24 * 3600;

export const rememberedAnswerSchema = z.object({
  answerId: z.string().min(1),
  platform: z.enum(PLATFORMS),
  channelId: z.string(),
  threadId: z.string().optional(),
  question: z.string(),
  answer: z.string(),
  mode: z.enum(['llm', 'retrieval-only']),
  level: z.number().int().min(1).max(3).optional(),
  sources: z.array(z.object({ n: z.number().int(), title: z.string(), section: z.string(), source: z.string(), page: z.number().int().optional() })),
  figures: z.array(z.object({ n: z.number().int(), id: z.string(), caption: z.string(), source: z.string() })),
  answeredAt: z.number().int(),
});
export type RememberedAnswer = z.infer<typeof rememberedAnswerSchema>;

export const feedbackEntrySchema = rememberedAnswerSchema.extend({
  userId: z.string().min(1),
  rating: z.enum(['up', 'down']),
  /** Optional free text from the user. */
  comment: z.string().max(2000).optional(),
  ratedAt: z.number().int(),
});
export type FeedbackEntry = z.infer<typeof feedbackEntrySchema>;
export type FeedbackRating = FeedbackEntry['rating'];

export interface FeedbackStore {
  /** Keep what a later click needs (called by the worker before the answer is posted). */
  rememberAnswer(entry: RememberedAnswer): Promise<void>;
  /** The remembered answer, or undefined when unknown or expired. */
  answer(answerId: string): Promise<RememberedAnswer | undefined>;
  /**
   * Store a rating. Returns the stored entry, or undefined when the answer is unknown
   * (expired, or never posted by this deployment): the caller tells the user so.
   */
  record(click: { answerId: string; userId: string; rating: FeedbackRating; comment?: string }): Promise<FeedbackEntry | undefined>;
  /** Every stored rating, oldest first. */
  export(): Promise<FeedbackEntry[]>;
}

const answerKey = (prefix: string, answerId: string) => `${prefix}:answer:${answerId}`;
const feedbackKey = (prefix: string) => `${prefix}:feedback`;
const orderKey = (prefix: string) => `${prefix}:feedback:order`;

/** The part of an `Answer` that feedback keeps (no figure paths: they are machine-specific). */
export function answerToRemember(answer: Answer, job: { answerId: string; platform: RememberedAnswer['platform']; channelId: string; threadId?: string; question: string }): RememberedAnswer {
  return {
    answerId: job.answerId,
    platform: job.platform,
    channelId: job.channelId,
    threadId: job.threadId,
    question: job.question,
    answer: answer.text,
    mode: answer.mode,
    level: answer.level,
    sources: answer.sources.map((s) => ({ n: s.n, title: s.title, section: s.section, source: s.source, page: s.page })),
    figures: answer.figures.map((f) => ({ n: f.n, id: f.id, caption: f.caption, source: f.source })),
    answeredAt: Date.now(),
  };
}

export function createFeedbackStore(connection: Redis, prefix: string): FeedbackStore {
  const parseAnswer = (raw: string | null) => {
    if (!raw) return undefined;
    const parsed = rememberedAnswerSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  };
  return {
    async rememberAnswer(entry) {
      await connection.set(answerKey(prefix, entry.answerId), JSON.stringify(rememberedAnswerSchema.parse(entry)), 'EX', ANSWER_TTL_SECONDS);
    },
    async answer(answerId) {
      return parseAnswer(await connection.get(answerKey(prefix, answerId)));
    },
    async record({ answerId, userId, rating, comment }) {
      const remembered = parseAnswer(await connection.get(answerKey(prefix, answerId)));
      if (!remembered) return undefined;
      const entry = feedbackEntrySchema.parse({ ...remembered, userId, rating, comment, ratedAt: Date.now() });
      const field = `${answerId}|${userId}`;
      await connection.multi().hset(feedbackKey(prefix), field, JSON.stringify(entry)).zadd(orderKey(prefix), String(entry.ratedAt), field).exec();
      return entry;
    },
    async export() {
      const fields = await connection.zrange(orderKey(prefix), '0', '-1');
      if (fields.length === 0) return [];
      const values = await connection.hmget(feedbackKey(prefix), ...fields);
      return values.flatMap((raw) => {
        if (!raw) return [];
        const parsed = feedbackEntrySchema.safeParse(JSON.parse(raw));
        return parsed.success ? [parsed.data] : [];
      });
    },
  };
}
