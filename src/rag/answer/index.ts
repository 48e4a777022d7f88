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
import type { Answerer, RetrievalLevel, Retriever } from '../types.js';
import { displayHost } from '../llm/ollama-call.js';
import { createOllamaPool } from '../llm/ollama-pool.js';
import { checkOllama, ollamaStatus, pullHint, type OllamaCheckReport, type PullProgress } from '../llm/ollama-startup.js';
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
  /** The retrieval level answers are made at now (1, 2 or 3); absent for stub answerers. */
  readonly level?: RetrievalLevel;
  /** True when the embedding model is loaded (level 3 once the index has embeddings). */
  readonly modelLoaded?: boolean;
  /**
   * Whether the language model can answer now (some OLLAMA_HOST has OLLAMA_MODEL), asked
   * live, for `/readyz`: otherwise answers are retrieval-only, and `detail` says why and the fix.
   */
  llmStatus?(): Promise<{ ok: boolean; detail: string }>;
  close(): Promise<void>;
}

/** How long a live `llmStatus` answer is reused (a readiness probe every few seconds must not flood Ollama). */
const LLM_STATUS_TTL_MS = 1000;

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
  const model = config.ollama.model;
  let last: { at: number; result: { ok: boolean; detail: string } } | undefined;
  const llmStatus = async () => {
    if (last && Date.now() - last.at < LLM_STATUS_TTL_MS) return last.result;
    const now = await ollamaStatus(config.ollama.hosts, model);
    const hosts = (list: string[]) => list.map(displayHost).join(', ');
    const problems = [
      now.missingModel.length ? `${hosts(now.missingModel)} lack${now.missingModel.length === 1 ? 's' : ''} the model (${pullHint(model)})` : '',
      now.unreachable.length ? `${hosts(now.unreachable)} unreachable` : '',
    ].filter(Boolean);
    const result = now.ready.length
      ? { ok: true, detail: `${model} on ${hosts(now.ready)}${problems.length ? `; ${problems.join('; ')}` : ''}` }
      : { ok: false, detail: `no Ollama host has ${model}: answers are retrieval-only (${problems.join('; ')})` };
    last = { at: Date.now(), result };
    return result;
  };
  return {
    ollama,
    retriever: knowledgeBase,
    get level() {
      return knowledgeBase.level;
    },
    modelLoaded: knowledgeBase.embedder !== undefined,
    llmStatus,
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
