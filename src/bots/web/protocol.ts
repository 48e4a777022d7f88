/**
 * What travels between the worker, the web adapter and the browser: the events of a
 * conversation stream (Redis stream entries, relayed to the browser over SSE) and the
 * answer as the page renders it. Validated with zod where they are read back from Redis;
 * the browser code imports only the types.
 *
 * One conversation = one Redis stream. The adapter appends `question` (the placeholder);
 * the worker's WebReply appends `status`, `delta`/`text` (streamed tokens), then `final`
 * or `error`; a rating appends `feedback`. Replaying the stream rebuilds the conversation,
 * which is how a browser that reconnects (or reloads) gets the final answer.
 */
import { z } from 'zod';

const signalSchema = z.object({ rank: z.number(), score: z.number() });
export const signalsSchema = z.object({
  vector: signalSchema.optional(),
  image: signalSchema.optional(),
  caption: signalSchema.optional(),
  bm25: signalSchema.optional(),
});
export type WebSignals = z.infer<typeof signalsSchema>;

export const webSourceSchema = z.object({
  n: z.number().int(),
  title: z.string(),
  section: z.string(),
  source: z.string(),
  page: z.number().int().optional(),
  /** Link to the original: the URL itself, or the web adapter's read-only file route. */
  href: z.string(),
});

export const webFigureSchema = z.object({
  n: z.number().int(),
  id: z.string(),
  caption: z.string(),
  title: z.string(),
  section: z.string(),
  source: z.string(),
  /** Where the browser loads the image; absent when the file could not be copied. */
  url: z.string().optional(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
});

export const whyChunkSchema = z.object({
  id: z.string(),
  title: z.string(),
  section: z.string(),
  source: z.string(),
  snippet: z.string(),
  /** The fused score the ranking used. */
  score: z.number(),
  signals: signalsSchema.optional(),
  /** Listed as a numbered source of the answer. */
  cited: z.boolean(),
});

export const whyFigureSchema = z.object({
  id: z.string(),
  caption: z.string(),
  title: z.string(),
  section: z.string(),
  source: z.string(),
  score: z.number(),
  signals: signalsSchema.optional(),
  /** The model was shown this figure's pixels. */
  shownToModel: z.boolean(),
  /** Attached to the answer. */
  attached: z.boolean(),
});

export const webAnswerSchema = z.object({
  /** Markdown; the browser renders it with marked and sanitises it with DOMPurify. */
  text: z.string(),
  mode: z.enum(['llm', 'retrieval-only']),
  level: z.number().int().min(1).max(3).optional(),
  sources: z.array(webSourceSchema),
  figures: z.array(webFigureSchema),
  /** Milliseconds per stage. */
  timings: z.record(z.string(), z.number()),
  why: z.object({ chunks: z.array(whyChunkSchema), figures: z.array(whyFigureSchema) }).optional(),
});

export type WebSource = z.infer<typeof webSourceSchema>;
export type WebFigure = z.infer<typeof webFigureSchema>;
export type WhyChunk = z.infer<typeof whyChunkSchema>;
export type WhyFigure = z.infer<typeof whyFigureSchema>;
export type WebAnswer = z.infer<typeof webAnswerSchema>;

const answerRef = { answerId: z.string().min(1) };

export const streamEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('question'), ...answerRef, question: z.string(), imageName: z.string().optional(), at: z.number().int() }),
  z.object({ type: z.literal('status'), ...answerRef, status: z.enum(['queued', 'thinking']) }),
  /** Text to append to the answer so far. */
  z.object({ type: z.literal('delta'), ...answerRef, text: z.string() }),
  /** The whole answer so far (first update of an attempt, or a rewrite). */
  z.object({ type: z.literal('text'), ...answerRef, text: z.string() }),
  z.object({ type: z.literal('final'), ...answerRef, answer: webAnswerSchema }),
  z.object({ type: z.literal('error'), ...answerRef, message: z.string() }),
  z.object({ type: z.literal('feedback'), ...answerRef, rating: z.enum(['up', 'down']) }),
]);
export type StreamEvent = z.infer<typeof streamEventSchema>;

/** One summarised conversation of the session (the sidebar). */
export interface ConversationSummary {
  id: string;
  title: string;
  updatedAt: number;
}

/** A hit of the knowledge-base search, as the page lists it. */
export interface KbSearchHit {
  kind: 'text' | 'figure';
  id: string;
  title: string;
  section: string;
  source: string;
  /** Chunk text or figure caption, shortened. */
  text: string;
  score: number;
  signals?: WebSignals;
  /** Figures: the image route of the knowledge-base page. */
  imageUrl?: string;
}
