/**
 * The answer pipeline's entry point for the worker and `mrag ask`: the real knowledge base
 * plus the Ollama pool, checked at start-up.
 *
 *   const answerer = await createAnswerer({ config, logger });
 *   const answer = await answerer.answer(question, { history, images, onToken, signal });
 *   await answerer.close();
 *
 * `onToken` receives the streamed text (already safe: no mass mentions). The returned
 * `answer.text` is authoritative: when the model fails mid-stream the answer switches to
 * retrieval-only mode and the streamed part must be replaced by `answer.text`.
 */
import type { Config } from '../../config/env.js';
import type { Logger } from '../../log.js';
import { openKnowledgeBase, type KnowledgeBase } from '../knowledge-base.js';
import type { Answerer, Retriever } from '../types.js';
import { createOllamaPool } from '../llm/ollama-pool.js';
import { checkOllama, type OllamaCheckReport, type PullProgress } from '../llm/ollama-startup.js';
import { createAnswerPipeline, type AnswerPipelineOptions } from './pipeline.js';

export { createAnswerPipeline, type AnswerPipelineDeps, type AnswerPipelineOptions } from './pipeline.js';
export { OllamaPool, createOllamaPool, type OllamaPoolOptions } from '../llm/ollama-pool.js';
export { checkOllama, type OllamaCheckReport, type PullProgress } from '../llm/ollama-startup.js';
export { LlmUnavailableError, type ChatModel, type ChatMessage, type ChatCallOptions } from '../llm/llm.js';
export { parseCitations } from './citations.js';

export interface RunningAnswerer extends Answerer {
  /** What the start-up check found (hosts ready / unreachable / pulled); absent for stub answerers. */
  readonly ollama?: OllamaCheckReport;
  /** The knowledge base it answers from (the web chat's knowledge base page searches it in-process). */
  readonly retriever?: Retriever;
  close(): Promise<void>;
}

export interface CreateAnswererDeps {
  config: Config;
  logger: Logger;
  /** Progress of a model pull at start-up (OLLAMA_AUTO_PULL=true); logged when absent. */
  onPullProgress?: (progress: PullProgress) => void;
  options?: AnswerPipelineOptions;
  /** An already open knowledge base to answer from (the caller closes it); opened from config otherwise. */
  knowledgeBase?: KnowledgeBase;
}

export async function createAnswerer(deps: CreateAnswererDeps): Promise<RunningAnswerer> {
  const { config, logger } = deps;
  const ollama = await checkOllama({
    hosts: config.ollama.hosts,
    model: config.ollama.model,
    autoPull: config.ollama.autoPull,
    logger,
    onPullProgress: deps.onPullProgress ?? throttledProgressLog(logger),
  });
  const ownsKnowledgeBase = !deps.knowledgeBase;
  const knowledgeBase = deps.knowledgeBase ?? (await openKnowledgeBase({ config, logger }));
  const pool = createOllamaPool(config, logger);
  const pipeline = createAnswerPipeline({ retriever: knowledgeBase, llm: pool, config, logger, options: deps.options });
  return {
    ollama,
    retriever: knowledgeBase,
    answer: (question, options) => pipeline.answer(question, options),
    close: async () => {
      pool.close();
      if (ownsKnowledgeBase) await knowledgeBase.close();
    },
  };
}

function throttledProgressLog(logger: Logger): (p: PullProgress) => void {
  let lastStatus = '';
  let lastPercent = -10;
  return (p) => {
    const percent = p.total ? Math.floor(((p.completed ?? 0) / p.total) * 100) : undefined;
    if (p.status === lastStatus && (percent === undefined || percent < lastPercent + 10)) return;
    lastStatus = p.status;
    lastPercent = percent ?? -10;
    logger.info({ host: p.host, model: p.model, status: p.status, percent }, 'pulling model');
  };
}
