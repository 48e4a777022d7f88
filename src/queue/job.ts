/**
 * The platform-neutral "ask" job contract (versioned). Every adapter builds one of these;
 * the worker consumes it. It carries no secrets: no bot tokens, no signing secrets. The
 * reply handle (a Discord interaction token, a Slack response URL) is a short-lived
 * per-message capability that the platform hands us for exactly this reply.
 */
import { z } from 'zod';
import { MAX_QUESTION_CHARS } from '../config/env.js';

export const PLATFORMS = ['discord', 'slack', 'web', 'terminal'] as const;
export type Platform = (typeof PLATFORMS)[number];

export const JOB_VERSION = 1;
export const MAX_IMAGES_PER_QUESTION = 4;

export const jobImageSchema = z.object({
  url: z.string().url(),
  /** Size in bytes as reported by the platform (0 when unknown). */
  bytes: z.number().int().nonnegative(),
  contentType: z.string().optional(),
  name: z.string().optional(),
});

export const replyHandleSchema = z.object({
  /** Discord: interaction token for PATCH /webhooks/{app}/{token}/messages/@original (valid 15 minutes). */
  interactionToken: z.string().optional(),
  applicationId: z.string().optional(),
  /** When the interaction was created (ms since epoch), to know when the token expires. */
  interactionCreatedAt: z.number().int().optional(),
  /** Slack: response_url of a slash command. */
  responseUrl: z.string().url().optional(),
});

export const askJobSchema = z.object({
  v: z.literal(JOB_VERSION),
  platform: z.enum(PLATFORMS),
  /** The platform's id for the triggering event (message id, interaction id, Slack event_id). Used for dedupe. */
  eventId: z.string().min(1).max(200),
  /** Discord guild id / Slack team id; absent for DMs and the terminal. */
  workspaceId: z.string().optional(),
  channelId: z.string().min(1),
  /** Thread the answer goes to (Discord thread channel id / Slack thread_ts). */
  threadId: z.string().optional(),
  /** The placeholder message the worker edits (posted by the adapter). */
  placeholderId: z.string().optional(),
  userId: z.string().min(1),
  question: z
    .string()
    .transform((s) => s.trim())
    .pipe(
      z
        .string()
        .min(1, 'The question is empty.')
        .max(MAX_QUESTION_CHARS, `The question is too long (over ${MAX_QUESTION_CHARS} characters).`),
    ),
  images: z.array(jobImageSchema).max(MAX_IMAGES_PER_QUESTION).default([]),
  replyHandle: replyHandleSchema.optional(),
  /** Adapter-specific, non-secret extras (e.g. Slack message ts of the root message). */
  meta: z.record(z.string(), z.string()).default({}),
  createdAt: z.number().int(),
});

export type AskJob = z.output<typeof askJobSchema>;
export type AskJobInput = z.input<typeof askJobSchema>;
export type JobImage = z.infer<typeof jobImageSchema>;
