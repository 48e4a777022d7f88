/**
 * The answer pipeline: condense (follow-ups) → retrieve → prompt → generate, with the
 * retrieval-only fallback whenever the model cannot answer. It depends only on a
 * `Retriever` and a `ChatModel`, so it runs the same against the real knowledge base and
 * Ollama, or against in-memory stand-ins.
 */
import { readFile } from 'node:fs/promises';
import type { Config } from '../../config/env.js';
import { UserFacingError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { Answer, AnswerOptions, Answerer, Retriever, SearchResult } from '../types.js';
import { chooseFigures, citedSources, parseCitations } from './citations.js';
import { condenseQuestion } from './condense.js';
import { retrievalOnlyAnswer } from './fallback.js';
import { LlmUnavailableError, abortError, describeFailure, type ChatModel } from '../llm/llm.js';
import { recordLlmFailure } from '../../metrics.js';
import { DEFAULT_PROMPT_LIMITS, renderMessages, selectContext, type PromptLimits } from './prompt.js';
import { MentionGuard, neutraliseMentions } from './sanitize.js';

export interface AnswerPipelineOptions {
  limits?: Partial<PromptLimits>;
  /**
   * Score a figure needs to be attached when the model cited none (and to be shown in the
   * retrieval-only answer). The scale is the knowledge base's fused score.
   */
  minFigureScore?: number;
  /** Text chunks and figures asked from the retriever. */
  textK?: number;
  figureK?: number;
  /** Sources listed with an answer that cites none. */
  uncitedSources?: number;
  /** Reads a figure's image file (tests may count reads). */
  readImage?: (path: string) => Promise<Uint8Array>;
}

export interface AnswerPipelineDeps {
  retriever: Retriever;
  llm: ChatModel;
  config: Config;
  logger: Logger;
  options?: AnswerPipelineOptions;
}

/**
 * 0.25 is the seed article's image threshold (softmax probability) and, for the default
 * hybrid scoring (reciprocal-rank fusion normalised to 1 = first in every list), means the
 * figure ranked near the top of at least one of the fused lists.
 */
export const DEFAULT_MIN_FIGURE_SCORE = 0.25;

export function createAnswerPipeline(deps: AnswerPipelineDeps): Answerer {
  const { retriever, llm, config, logger } = deps;
  const options = deps.options ?? {};
  const limits: PromptLimits = { ...DEFAULT_PROMPT_LIMITS, maxImages: config.ollama.maxImages, ...options.limits };
  const minFigureScore = options.minFigureScore ?? DEFAULT_MIN_FIGURE_SCORE;
  const readImage = options.readImage ?? ((p: string) => readFile(p));
  // A condense call is small; it must not eat the answer's time budget.
  const condenseTimeoutMs = Math.min(20_000, Math.max(1_000, Math.floor(config.ollama.timeoutMs / 4)));

  async function answer(rawQuestion: string, opts: AnswerOptions = {}): Promise<Answer> {
    const question = rawQuestion.trim();
    if (!question) throw new UserFacingError('question_empty', 'Please ask a question.');
    if (question.length > config.limits.maxQuestionChars) {
      throw new UserFacingError('question_too_long', `Questions are limited to ${config.limits.maxQuestionChars} characters.`);
    }
    const { signal } = opts;
    const history = opts.history ?? [];
    const userImages = (opts.images ?? []).slice(0, Math.max(0, limits.maxImages));
    const timings: Record<string, number> = {};
    const started = performance.now();
    let mark = started;
    const lap = (name: string) => {
      const now = performance.now();
      timings[name] = Math.round((now - mark) * 10) / 10;
      mark = now;
    };
    const checkAborted = () => {
      if (signal?.aborted) throw abortError(signal);
    };

    // 1. Condense a follow-up into a standalone retrieval query.
    const condensed = await condenseQuestion(question, history, llm, { signal, timeoutMs: condenseTimeoutMs });
    lap('condense');
    checkAborted();

    // 2. Retrieve text and figures (the user's image, if any, searches figures by pixels too).
    const result: SearchResult = await retriever.search(
      { text: condensed.query, ...(opts.images?.[0] ? { image: opts.images[0] } : {}) },
      { textK: options.textK ?? 8, figureK: options.figureK ?? 6 },
    );
    lap('retrieve');
    // Inside retrieval: embedding the query, vector lists, BM25 (they overlap), as the searcher measured them.
    for (const [k, v] of Object.entries(result.timings ?? {})) if (k !== 'total') timings[`retrieve.${k}`] = Math.round(v * 10) / 10;
    checkAborted();

    // 3. Prompt: context within budget, figure images in [F] order after the user's own
    //    (none at level 1: figures as text, so a text-only model can answer).
    const level = result.level ?? (config.retrieval.level === 1 ? 1 : undefined);
    const textOnly = level === 1;
    const context = selectContext(result.chunks, result.figures, limits);
    const figureImages = new Map<number, Uint8Array>();
    let imageSlots = textOnly ? 0 : limits.maxImages - userImages.length;
    for (const figure of context.figures) {
      if (imageSlots <= 0) break;
      try {
        figureImages.set(figure.n, await readImage(figure.imagePath));
        imageSlots--;
      } catch (err) {
        logger.warn({ figure: figure.id, err: err instanceof Error ? err.message : String(err) }, 'figure image unreadable; caption only');
      }
    }
    const messages = renderMessages({ question, history, userImages, sources: context.sources, figures: context.figures, figureImages, textOnly }, limits);
    lap('prompt');

    // "Why this answer": what retrieval returned and which figures the model saw as pixels.
    const explain = {
      level,
      retrieval: {
        chunks: result.chunks,
        figures: result.figures,
        shownToModel: context.figures.filter((f) => figureImages.has(f.n)).map((f) => f.id),
      },
    };
    const fallback = (failure: LlmUnavailableError): Answer => {
      logger.warn({ failure: failure.failure, err: failure.message }, 'answering in retrieval-only mode');
      recordLlmFailure(failure.failure);
      const fb = retrievalOnlyAnswer(describeFailure(failure.failure), context.sources, context.figures, minFigureScore);
      timings.total = Math.round((performance.now() - started) * 10) / 10;
      return { text: neutraliseMentions(fb.text), sources: fb.sources, figures: fb.figures, mode: 'retrieval-only', timings, ...explain, retrieval: { ...explain.retrieval, shownToModel: [] } };
    };

    // The model just failed the condense call: don't wait for it a second time.
    if (condensed.failure) return fallback(condensed.failure);

    // 4. Generate, streaming tokens through the mention guard.
    let raw: string;
    const guard = opts.onToken ? new MentionGuard(opts.onToken) : undefined;
    try {
      raw = await llm.chat(messages, { stream: true, signal, onToken: guard ? (t) => guard.push(t) : undefined });
      guard?.flush();
    } catch (err) {
      lap('generate');
      if (err instanceof LlmUnavailableError) return fallback(err);
      throw err;
    }
    lap('generate');
    const text = neutraliseMentions(raw).trim();
    if (!text) return fallback(new LlmUnavailableError('broken-stream', 'The model returned an empty answer'));

    const cited = parseCitations(text);
    const cites = citedSources(cited.sources, context.sources);
    const sources = cites.length > 0 ? cites : context.sources.slice(0, options.uncitedSources ?? 3);
    const figures = chooseFigures(cited.figures, context.figures, minFigureScore, undefined, new Set(opts.shownFigureIds ?? []));
    timings.total = Math.round((performance.now() - started) * 10) / 10;
    logger.debug(
      { mode: 'llm', query: condensed.method, sources: sources.length, figures: figures.length, dropped: context.dropped, timings },
      'answered',
    );
    return { text, sources, figures, mode: 'llm', timings, ...explain };
  }

  return { answer };
}
