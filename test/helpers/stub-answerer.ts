/**
 * A stand-in for the answer pipeline in queue and adapter tests: streams a predictable
 * answer token by token, can fail on chosen calls, and honours the abort signal.
 */
import type { Answer, AnswerFigure, AnswerOptions, AnswerSource, Answerer, ChatTurn } from '../../src/rag/types.js';

export interface StubAnswererOptions {
  /** The answer text for a question (default: `Answer to: <question>`). */
  text?: (question: string) => string;
  /** Delay before each streamed token (default 0: no streaming delay). */
  tokenDelayMs?: number;
  /** Errors thrown by consecutive calls (the first call throws failures[0], …); afterwards calls succeed. */
  failures?: unknown[];
  /** Throw this error after streaming some tokens, instead of before. */
  failAfterTokens?: boolean;
  figures?: AnswerFigure[];
  sources?: AnswerSource[];
  /** Called when a call starts (e.g. to signal a test that a job is in flight). */
  onStart?: (question: string) => void | Promise<void>;
}

export interface StubCall {
  question: string;
  history: ChatTurn[];
  images: Uint8Array[];
  shownFigureIds: readonly string[];
}

export function createStubAnswerer(options: StubAnswererOptions = {}): Answerer & { calls: StubCall[] } {
  const failures = [...(options.failures ?? [])];
  const calls: StubCall[] = [];
  const sleep = (ms: number, signal?: AbortSignal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason ?? new Error('aborted'));
      const onAbort = () => {
        clearTimeout(t);
        reject(signal?.reason ?? new Error('aborted'));
      };
      const t = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort, { once: true });
    });

  return {
    calls,
    async answer(question: string, opts: AnswerOptions = {}): Promise<Answer> {
      calls.push({ question, history: opts.history ?? [], images: opts.images ?? [], shownFigureIds: opts.shownFigureIds ?? [] });
      await options.onStart?.(question);
      const failure = failures.length > 0 ? failures.shift() : undefined;
      if (failure !== undefined && !options.failAfterTokens) throw failure;
      const text = options.text?.(question) ?? `Answer to: ${question}`;
      const tokens = text.match(/\S+\s*/g) ?? [text];
      for (const token of tokens) {
        if (options.tokenDelayMs) await sleep(options.tokenDelayMs, opts.signal);
        else if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
        opts.onToken?.(token);
      }
      if (failure !== undefined) throw failure;
      return {
        text,
        sources: options.sources ?? [{ n: 1, id: 'c1', title: 'Doc', section: 'Intro', source: 'data/doc.md', snippet: 'snippet' }],
        figures: options.figures ?? [],
        mode: 'llm',
        timings: { total: 0 },
      };
    },
  };
}
