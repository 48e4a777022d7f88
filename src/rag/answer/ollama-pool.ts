/**
 * The `ChatModel` backed by one or more Ollama hosts (OLLAMA_HOST, comma-separated).
 * Each request waits for a slot on the least-busy host (HostScheduler), runs with the
 * configured timeouts (callOllama), and is retried once on another host when the first
 * one could not be reached and nothing was streamed yet.
 */
import type { Options } from 'ollama';
import type { Config } from '../../config/env.js';
import type { Logger } from '../../log.js';
import { HostScheduler } from './host-scheduler.js';
import { LlmUnavailableError, abortError, isAbortError, type ChatCallOptions, type ChatMessage, type ChatModel } from './llm.js';
import { callOllama, displayHost } from './ollama-call.js';

export interface OllamaPoolOptions {
  hosts: readonly string[];
  model: string;
  /** Requests served at once by one host. */
  concurrency: number;
  timeoutMs: number;
  idleTimeoutMs: number;
  logger: Logger;
  /** Model options for every request, e.g. a context window (`num_ctx`) large enough for the prompt. */
  modelOptions?: Partial<Options>;
  fetchImpl?: typeof fetch;
}

/** Failures worth one more try on a different host (nothing reached the user yet). */
const RETRY_ELSEWHERE = new Set(['unreachable', 'server-error', 'model-missing']);

export class OllamaPool implements ChatModel {
  private readonly scheduler: HostScheduler;
  private readonly closing = new AbortController();

  constructor(private readonly options: OllamaPoolOptions) {
    this.scheduler = new HostScheduler(options.hosts, options.concurrency);
  }

  get hosts(): readonly string[] {
    return this.options.hosts;
  }

  get model(): string {
    return this.options.model;
  }

  /** Requests in flight per host (for logs and benches). */
  busy(): Record<string, number> {
    return this.scheduler.busy();
  }

  async chat(messages: ChatMessage[], call: ChatCallOptions = {}): Promise<string> {
    const started = Date.now();
    const timeoutMs = call.timeoutMs ?? this.options.timeoutMs;
    // One deadline for queueing + every attempt: the user gets an answer (or the
    // fallback) within the configured time, however busy the hosts are.
    const deadline = AbortSignal.timeout(timeoutMs);
    const signals = [deadline, this.closing.signal, ...(call.signal ? [call.signal] : [])];
    const waitSignal = AbortSignal.any(signals);

    let lastHost: string | undefined;
    const attempts = Math.min(2, this.scheduler.hostCount);
    for (let attempt = 1; ; attempt++) {
      let lease;
      try {
        lease = await this.scheduler.acquire(waitSignal, lastHost);
      } catch (err) {
        if (call.signal?.aborted) throw abortError(call.signal);
        if (this.closing.signal.aborted) throw new LlmUnavailableError('unreachable', 'The answerer is shutting down', { cause: err });
        throw new LlmUnavailableError('timeout', `No Ollama instance was free within ${timeoutMs} ms`, { cause: err });
      }
      let streamed = 0;
      try {
        const result = await callOllama({
          host: lease.host,
          model: this.options.model,
          messages,
          stream: call.stream ?? true,
          onToken: call.onToken
            ? (t) => {
                streamed++;
                call.onToken!(t);
              }
            : undefined,
          signal: AbortSignal.any([this.closing.signal, ...(call.signal ? [call.signal] : [])]),
          timeoutMs: Math.max(1, timeoutMs - (Date.now() - started)),
          idleTimeoutMs: this.options.idleTimeoutMs,
          options: this.options.modelOptions,
          fetchImpl: this.options.fetchImpl,
        });
        lease.release();
        return result.text;
      } catch (err) {
        lease.release(err instanceof LlmUnavailableError && err.failure === 'unreachable');
        if (isAbortError(err) && this.closing.signal.aborted && !call.signal?.aborted) {
          throw new LlmUnavailableError('unreachable', 'The answerer is shutting down', { cause: err });
        }
        if (!(err instanceof LlmUnavailableError)) throw err;
        this.options.logger.warn(
          { host: displayHost(lease.host), failure: err.failure, attempt, model: this.options.model },
          'ollama request failed',
        );
        const retry = attempt < attempts && streamed === 0 && RETRY_ELSEWHERE.has(err.failure) && !deadline.aborted;
        if (!retry) throw err;
        lastHost = lease.host;
      }
    }
  }

  /** Cancel everything in flight and waiting. */
  close(): void {
    this.closing.abort();
    this.scheduler.rejectAll(new LlmUnavailableError('unreachable', 'The answerer is shutting down'));
  }
}

/** A context window large enough for the prompt budget (Ollama's own default is smaller). */
export const NUM_CTX = 8192;

/** The pool as configured by OLLAMA_* (see src/config/env.ts). */
export function createOllamaPool(config: Config, logger: Logger, fetchImpl?: typeof fetch): OllamaPool {
  return new OllamaPool({
    hosts: config.ollama.hosts,
    model: config.ollama.model,
    concurrency: config.ollama.concurrency,
    timeoutMs: config.ollama.timeoutMs,
    idleTimeoutMs: config.ollama.idleTimeoutMs,
    logger,
    modelOptions: { num_ctx: NUM_CTX },
    fetchImpl,
  });
}
