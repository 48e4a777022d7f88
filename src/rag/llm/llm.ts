/**
 * The language-model boundary (answer pipeline, figure descriptions). Callers talk to a `ChatModel`;
 * the Ollama pool is the real one. Every failure that should lead to the retrieval-only
 * fallback is an `LlmUnavailableError`; a cancelled request rejects with an `AbortError`.
 */

export interface ChatMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
  /** Image bytes for this message, in the order the prompt refers to them. */
  images?: Uint8Array[];
}

export interface ChatCallOptions {
  /** Stream tokens (answers) or wait for the whole reply (small calls like condensing). */
  stream?: boolean;
  onToken?: (token: string) => void;
  signal?: AbortSignal;
  /** Overall limit for this call; defaults to the model's configured timeout. */
  timeoutMs?: number;
}

export interface ChatModel {
  chat(messages: ChatMessage[], options?: ChatCallOptions): Promise<string>;
}

export type LlmFailure =
  /** Connection refused / DNS / reset: nothing answered. */
  | 'unreachable'
  /** HTTP 5xx, or an error line in the stream. */
  | 'server-error'
  /** HTTP 404: the model is not on the server. */
  | 'model-missing'
  /** Other HTTP 4xx: the request was rejected. */
  | 'rejected'
  /** The overall time limit passed (includes waiting for a free instance). */
  | 'timeout'
  /** The stream sent nothing for the idle limit. */
  | 'stalled'
  /** The stream ended without its final `done` message, or was unreadable. */
  | 'broken-stream';

export class LlmUnavailableError extends Error {
  override readonly name = 'LlmUnavailableError';
  constructor(
    readonly failure: LlmFailure,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A short, user-safe phrase for the fallback label. */
export function describeFailure(failure: LlmFailure): string {
  switch (failure) {
    case 'unreachable':
      return 'the language model server is unreachable';
    case 'server-error':
      return 'the language model server returned an error';
    case 'model-missing':
      return 'the language model is not installed on the server';
    case 'rejected':
      return 'the language model rejected the request';
    case 'timeout':
      return 'the language model took too long';
    case 'stalled':
      return 'the language model stopped responding';
    case 'broken-stream':
      return 'the language model reply was cut off';
  }
}

export function abortError(signal?: AbortSignal): Error {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const err = new Error('The request was cancelled.');
  err.name = 'AbortError';
  return err;
}

export function isAbortError(err: unknown): boolean {
  return err instanceof Error && err.name === 'AbortError';
}
