/**
 * A local stand-in of the Ollama HTTP API, for tests that drive the real `ollama` client.
 * Wire shapes are the client's own types (ChatResponse, ProgressResponse, ListResponse,
 * ShowResponse, ErrorResponse) with dates as the JSON strings the server sends.
 *
 * Routes: POST /api/chat (NDJSON stream or one JSON object), GET /api/tags, POST /api/show,
 * POST /api/pull (progress stream). A request for a model the stand-in does not have gets
 * the real server's 404 `{"error": "model \"x\" not found, try pulling it first"}`.
 * What each chat request gets is scripted per test (`chat`), and every request is recorded,
 * including whether the client hung up before the response ended.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { ChatRequest, ChatResponse, ErrorResponse, ListResponse, ProgressResponse, ShowResponse } from 'ollama';

/** The JSON form of a client type: dates travel as strings. */
type Wire<T> = { [K in keyof T]: T[K] extends Date ? string : T[K] extends Map<string, unknown> ? Record<string, unknown> : T[K] };

/** What one /api/chat request gets. */
export type ChatScript =
  /** A normal answer, streamed as one chunk per token (or one object when `stream: false`). */
  | { kind: 'reply'; tokens: string[]; /** Pause before each token (a slow model). */ delayMs?: number }
  /** An HTTP error with Ollama's `{"error"}` body. */
  | { kind: 'error'; status: number; error: string }
  /** Stream these tokens, then go silent with the connection open. */
  | { kind: 'stall'; tokens: string[] }
  /** Stream these tokens, then an `{"error"}` line (how the server reports a crash mid-answer). */
  | { kind: 'midstream-error'; tokens: string[]; error: string }
  /** Stream these tokens and close without the final `done` message. */
  | { kind: 'truncated'; tokens: string[] }
  /** Never answer at all (no headers): a server stuck before the first token. */
  | { kind: 'hang' };

export interface RecordedRequest {
  method: string;
  path: string;
  body: unknown;
  /** True when the client closed the connection before the response was complete. */
  clientAborted: boolean;
}

export interface OllamaStandInOptions {
  /** Models the server has (names as `ollama list` shows them). */
  models?: string[];
  /** The script for the n-th chat request (0-based). Default: a short cited answer. */
  chat?: (request: Wire<ChatRequest>, n: number) => ChatScript;
  /** What `/api/show` reports as the model's capabilities, per model name (default: completion + vision). */
  capabilities?: Record<string, string[]>;
  /** Pull behaviour: number of download steps, or an error status for the pull request. */
  pull?: { steps?: number; failWith?: { status: number; error: string } };
}

export interface OllamaStandIn {
  url: string;
  requests: RecordedRequest[];
  /** Bodies of /api/chat requests, in arrival order. */
  chatRequests(): Wire<ChatRequest>[];
  models: Set<string>;
  /** Replace the chat script; request numbering starts again at 0. */
  setChat(chat: OllamaStandInOptions['chat']): void;
  /** Requests closed early by the client so far. */
  readonly clientAborts: number;
  /** Most /api/chat responses that were open at the same time. */
  readonly maxConcurrentChats: number;
  /** Resolves once `count` requests in total were closed early by the client. */
  waitForClientAborts(count: number): Promise<void>;
  close(): Promise<void>;
}

const DEFAULT_CHAT: NonNullable<OllamaStandInOptions['chat']> = () => ({ kind: 'reply', tokens: ['The answer ', 'is here ', '[1].'] });

/** `llama3.2-vision` and `llama3.2-vision:latest` are the same model. */
export function canonicalModel(name: string): string {
  return name.includes(':') ? name : `${name}:latest`;
}

const now = () => new Date().toISOString();

function chatChunk(model: string, content: string): Partial<Wire<ChatResponse>> {
  return { model, created_at: now(), message: { role: 'assistant', content }, done: false };
}

function chatDone(model: string, content = ''): Wire<ChatResponse> {
  return {
    model,
    created_at: now(),
    message: { role: 'assistant', content },
    done: true,
    done_reason: 'stop',
    total_duration: 1_000_000,
    load_duration: 1000,
    prompt_eval_count: 10,
    prompt_eval_duration: 1000,
    eval_count: 5,
    eval_duration: 1000,
  };
}

function sendJson(res: http.ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify(body));
}

function sendError(res: http.ServerResponse, status: number, error: string): void {
  const body: ErrorResponse = { error };
  sendJson(res, status, body);
}

function startStream(res: http.ServerResponse): (line: unknown) => void {
  res.writeHead(200, { 'content-type': 'application/x-ndjson' });
  return (line) => res.write(JSON.stringify(line) + '\n');
}

export async function startOllamaStandIn(options: OllamaStandInOptions = {}): Promise<OllamaStandIn> {
  const models = new Set((options.models ?? ['llama3.2-vision']).map(canonicalModel));
  let chat = options.chat ?? DEFAULT_CHAT;
  let chatCount = 0;
  const requests: RecordedRequest[] = [];
  let aborts = 0;
  let openChats = 0;
  let maxOpenChats = 0;
  const abortWaiters: Array<{ count: number; resolve: () => void }> = [];
  const noteAbort = () => {
    aborts++;
    for (const w of abortWaiters.filter((w) => aborts >= w.count)) {
      abortWaiters.splice(abortWaiters.indexOf(w), 1);
      w.resolve();
    }
  };

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      let body: unknown = undefined;
      try {
        body = text ? JSON.parse(text) : undefined;
      } catch {
        return sendError(res, 400, 'invalid JSON');
      }
      const record: RecordedRequest = { method: req.method ?? '', path: req.url ?? '', body, clientAborted: false };
      requests.push(record);
      res.on('close', () => {
        if (!res.writableFinished) {
          record.clientAborted = true;
          noteAbort();
        }
      });
      route(record, body as Record<string, unknown> | undefined, res);
    });
  });

  function route(record: RecordedRequest, body: Record<string, unknown> | undefined, res: http.ServerResponse): void {
    const path = record.path.split('?')[0];
    if (record.method === 'GET' && path === '/api/tags') {
      const list: Wire<ListResponse> = {
        models: [...models].map((name) => ({
          name,
          model: name,
          modified_at: now(),
          size: 7_900_000_000,
          digest: 'sha256:0000',
          expires_at: now(),
          size_vram: 0,
          details: { parent_model: '', format: 'gguf', family: 'mllama', families: ['mllama'], parameter_size: '10.7B', quantization_level: 'Q4_K_M' },
        })) as unknown as ListResponse['models'],
      };
      return sendJson(res, 200, list);
    }
    if (record.method === 'POST' && path === '/api/show') {
      const model = String(body?.model ?? body?.name ?? '');
      if (!models.has(canonicalModel(model))) return sendError(res, 404, `model '${model}' not found`);
      const show: Partial<Wire<ShowResponse>> = { license: '', modelfile: '', parameters: '', template: '', system: '', capabilities: options.capabilities?.[model] ?? ['completion', 'vision'] };
      return sendJson(res, 200, show);
    }
    if (record.method === 'POST' && path === '/api/pull') return pull(body, res);
    if (record.method === 'POST' && path === '/api/chat') return chatRoute(body as unknown as Wire<ChatRequest>, res);
    sendError(res, 404, 'page not found');
  }

  function pull(body: Record<string, unknown> | undefined, res: http.ServerResponse): void {
    const model = String(body?.name ?? body?.model ?? '');
    if (options.pull?.failWith) return sendError(res, options.pull.failWith.status, options.pull.failWith.error);
    const send = startStream(res);
    const total = 1000;
    const steps = options.pull?.steps ?? 4;
    const progress = (status: string, completed?: number): Partial<ProgressResponse> =>
      completed === undefined ? { status } : { status, digest: 'sha256:0000', total, completed };
    send(progress('pulling manifest'));
    for (let i = 1; i <= steps; i++) send(progress('pulling sha256:0000', Math.round((total * i) / steps)));
    send(progress('verifying sha256 digest'));
    send(progress('writing manifest'));
    models.add(canonicalModel(model));
    send(progress('success'));
    res.end();
  }

  function chatRoute(request: Wire<ChatRequest>, res: http.ServerResponse): void {
    const model = request.model;
    if (!models.has(canonicalModel(model))) return sendError(res, 404, `model "${model}" not found, try pulling it first`);
    openChats++;
    maxOpenChats = Math.max(maxOpenChats, openChats);
    let open = true;
    const closed = () => {
      if (open) openChats--;
      open = false;
    };
    res.on('finish', closed);
    res.on('close', closed);
    const script = chat(request, chatCount++);
    if (script.kind === 'error') return sendError(res, script.status, script.error);
    if (script.kind === 'hang') return;
    if (request.stream === false) {
      if (script.kind !== 'reply') return sendError(res, 500, 'stand-in: non-streaming requests support reply/error only');
      return sendJson(res, 200, chatDone(model, script.tokens.join('')));
    }
    const send = startStream(res);
    if (script.kind === 'reply' && script.delayMs) {
      void (async () => {
        for (const token of script.tokens) {
          await new Promise((r) => setTimeout(r, script.delayMs));
          if (res.destroyed) return;
          send(chatChunk(model, token));
        }
        send(chatDone(model));
        res.end();
      })();
      return;
    }
    for (const token of script.tokens) send(chatChunk(model, token));
    switch (script.kind) {
      case 'reply':
        send(chatDone(model));
        res.end();
        return;
      case 'midstream-error':
        send({ error: script.error } satisfies ErrorResponse);
        res.end();
        return;
      case 'truncated':
        res.end();
        return;
      case 'stall':
        return; // keep the connection open and silent
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    chatRequests: () => requests.filter((r) => r.path === '/api/chat').map((r) => r.body as Wire<ChatRequest>),
    models,
    setChat: (next) => {
      chat = next ?? DEFAULT_CHAT;
      chatCount = 0;
    },
    get clientAborts() {
      return aborts;
    },
    get maxConcurrentChats() {
      return maxOpenChats;
    },
    waitForClientAborts: (count) =>
      aborts >= count ? Promise.resolve() : new Promise<void>((resolve) => abortWaiters.push({ count, resolve })),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
