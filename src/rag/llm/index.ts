/**
 * The language-model client shared by the stages that talk to Ollama: the answer pipeline
 * (answers, follow-up condensing) and ingest (figure descriptions at level 1).
 *
 *   const pool = createOllamaPool(config, logger);          // least-busy hosts, timeouts, abort
 *   const text = await pool.chat(messages, { stream: false });
 *
 * Every failure that means "the model cannot answer now" is an `LlmUnavailableError` with a
 * `failure` kind; callers degrade (retrieval-only answer, description skipped) on it.
 */
export { HostScheduler, type HostLease } from './host-scheduler.js';
export { LlmUnavailableError, abortError, describeFailure, isAbortError, type ChatCallOptions, type ChatMessage, type ChatModel, type LlmFailure } from './llm.js';
export { callOllama, classifyOllamaError, displayHost, type OllamaCallRequest, type OllamaCallResult } from './ollama-call.js';
export { NUM_CTX, OllamaPool, createOllamaPool, type OllamaPoolOptions } from './ollama-pool.js';
export { checkOllama, type OllamaCheckOptions, type OllamaCheckReport, type PullProgress } from './ollama-startup.js';
