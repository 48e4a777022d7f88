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
  /** One controller per call in flight, so `close()` can stop them all. */
  private readonly inflight = new Set<AbortController>();
  private closed = false;

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
    if (this.closed) throw new LlmUnavailableError('unreachable', 'The answerer is shutting down');
    const started = Date.now();
    const timeoutMs = call.timeoutMs ?? this.options.timeoutMs;
    // `stop` ends this call: the caller cancelled, the pool is closing, or the deadline
    // passed. One deadline covers queueing and every attempt, so the user gets an answer
    // (or the fallback) within the configured time however busy the hosts are.
    const stop = new AbortController();
    let deadlinePassed = false;
    const deadline = setTimeout(() => {
      deadlinePassed = true;
      stop.abort();
    }, timeoutMs);
    const onCallerAbort = () => stop.abort();
    call.signal?.addEventListener('abort', onCallerAbort, { once: true });
    if (call.signal?.aborted) stop.abort();
    this.inflight.add(stop);
    const stopped = (err: unknown): Error => {
      if (call.signal?.aborted) return abortError(call.signal);
      if (this.closed) return new LlmUnavailableError('unreachable', 'The answerer is shutting down', { cause: err });
      return new LlmUnavailableError('timeout', `Ollama did not answer within ${timeoutMs} ms`, { cause: err });
    };

    try {
      let lastHost: string | undefined;
      const attempts = Math.min(2, this.scheduler.hostCount);
      for (let attempt = 1; ; attempt++) {
        let lease;
        try {
          lease = await this.scheduler.acquire(stop.signal, lastHost);
        } catch (err) {
          throw stopped(err);
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
            signal: stop.signal,
            timeoutMs: Math.max(1, timeoutMs - (Date.now() - started)),
            idleTimeoutMs: this.options.idleTimeoutMs,
            options: this.options.modelOptions,
            fetchImpl: this.options.fetchImpl,
          });
          lease.release();
          return result.text;
        } catch (err) {
          lease.release(err instanceof LlmUnavailableError && err.failure === 'unreachable');
          if (isAbortError(err)) throw stopped(err);
          if (!(err instanceof LlmUnavailableError)) throw err;
          this.options.logger.warn(
            { host: displayHost(lease.host), failure: err.failure, attempt, model: this.options.model },
            'ollama request failed',
          );
          const retry = attempt < attempts && streamed === 0 && RETRY_ELSEWHERE.has(err.failure) && !deadlinePassed;
          if (!retry) throw err;
          lastHost = lease.host;
        }
      }
    } finally {
      clearTimeout(deadline);
      call.signal?.removeEventListener('abort', onCallerAbort);
      this.inflight.delete(stop);
    }
  }

  /** Cancel everything in flight and waiting; later calls fail at once (→ fallback). */
  close(): void {
    this.closed = true;
    for (const stop of this.inflight) stop.abort();
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
