/**
 * One chat request to one Ollama host through the real `ollama` client, with the limits the
 * client does not have: an overall timeout, an idle-stream timeout and cancellation for
 * non-streaming calls too.
 *
 * How: each call gets its own client whose `fetch` also listens to our AbortController
 * (the client only aborts streams itself). Aborting that controller tears down the HTTP
 * request and the body reader, whatever the client is doing.
 */
import { Ollama, type Message, type Options } from 'ollama';
import { LlmUnavailableError, abortError, type ChatMessage, type LlmFailure } from './llm.js';

export interface OllamaCallRequest {
  host: string;
  model: string;
  messages: ChatMessage[];
  stream: boolean;
  onToken?: (token: string) => void;
  signal?: AbortSignal;
  timeoutMs: number;
  /** Longest silence between two streamed chunks once the stream has started. */
  idleTimeoutMs: number;
  options?: Partial<Options>;
  /** The fetch the client uses (default: global fetch). */
  fetchImpl?: typeof fetch;
}

export interface OllamaCallResult {
  text: string;
  /** Whether any token reached `onToken` (a partial answer was shown). */
  streamedTokens: number;
}

/** Error shape of the client's non-2xx responses (`ResponseError`, not exported in its typings). */
interface ResponseErrorLike extends Error {
  status_code: number;
}

function isResponseError(err: unknown): err is ResponseErrorLike {
  return err instanceof Error && err.name === 'ResponseError' && typeof (err as Partial<ResponseErrorLike>).status_code === 'number';
}

/** Map a client/fetch error to the failure it means for the pipeline. */
export function classifyOllamaError(err: unknown): LlmFailure {
  if (isResponseError(err)) {
    if (err.status_code === 404) return 'model-missing';
    if (err.status_code >= 500) return 'server-error';
    return 'rejected';
  }
  // undici: connection refused, DNS failure, socket reset before a response.
  if (err instanceof TypeError && /fetch failed|terminated/i.test(err.message)) return 'unreachable';
  if (err instanceof Error && /did not receive done/i.test(err.message)) return 'broken-stream';
  if (err instanceof Error && (err.name === 'SocketError' || /other side closed|ECONNRESET/i.test(err.message))) return 'broken-stream';
  // An `{"error": …}` line in the middle of a stream surfaces as a plain Error.
  return 'server-error';
}

export async function callOllama(req: OllamaCallRequest): Promise<OllamaCallResult> {
  const controller = new AbortController();
  let expired: 'timeout' | 'stalled' | undefined;
  const expire = (why: 'timeout' | 'stalled') => {
    expired ??= why;
    controller.abort();
  };
  const overall = setTimeout(() => expire('timeout'), req.timeoutMs);
  let idle: NodeJS.Timeout | undefined;
  const onCallerAbort = () => controller.abort();
  req.signal?.addEventListener('abort', onCallerAbort, { once: true });
  if (req.signal?.aborted) controller.abort();

  const baseFetch = req.fetchImpl ?? fetch;
  const client = new Ollama({
    host: req.host,
    fetch: (input, init) =>
      baseFetch(input, {
        ...init,
        signal: init?.signal ? AbortSignal.any([init.signal, controller.signal]) : controller.signal,
      }),
  });
  // The client replaces `images` with base64 strings in place: give it copies.
  const messages: Message[] = req.messages.map((m) => ({
    role: m.role,
    content: m.content,
    ...(m.images && m.images.length > 0 ? { images: [...m.images] } : {}),
  }));

  let text = '';
  let streamedTokens = 0;
  try {
    if (controller.signal.aborted) throw abortError(req.signal);
    if (!req.stream) {
      const response = await client.chat({ model: req.model, messages, stream: false, options: req.options });
      text = response.message?.content ?? '';
      return { text, streamedTokens };
    }
    const iterator = await client.chat({ model: req.model, messages, stream: true, options: req.options });
    // The idle limit starts once the server answered: loading a model before the first
    // token can legitimately take long and is covered by the overall timeout.
    const armIdle = () => {
      clearTimeout(idle);
      idle = setTimeout(() => expire('stalled'), req.idleTimeoutMs);
    };
    armIdle();
    for await (const part of iterator) {
      armIdle();
      const token = part.message?.content ?? '';
      if (token) {
        text += token;
        streamedTokens++;
        req.onToken?.(token);
      }
    }
    return { text, streamedTokens };
  } catch (err) {
    if (req.signal?.aborted) throw abortError(req.signal);
    if (expired === 'timeout') {
      throw new LlmUnavailableError('timeout', `Ollama at ${displayHost(req.host)} did not finish within ${req.timeoutMs} ms`, { cause: err });
    }
    if (expired === 'stalled') {
      throw new LlmUnavailableError('stalled', `Ollama at ${displayHost(req.host)} sent nothing for ${req.idleTimeoutMs} ms`, { cause: err });
    }
    const failure = classifyOllamaError(err);
    const detail = err instanceof Error ? err.message : String(err);
    throw new LlmUnavailableError(failure, `Ollama at ${displayHost(req.host)}: ${failure}: ${detail}`, { cause: err });
  } finally {
    clearTimeout(overall);
    clearTimeout(idle);
    req.signal?.removeEventListener('abort', onCallerAbort);
    // Tear down whatever is still open (e.g. an abandoned stream).
    controller.abort();
  }
}

/** A host for messages and logs, without any user:password part. */
export function displayHost(host: string): string {
  try {
    const u = new URL(host);
    u.username = '';
    u.password = '';
    return u.toString().replace(/\/$/, '');
  } catch {
    return '(invalid host)';
  }
}
