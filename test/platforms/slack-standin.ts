/**
 * A local stand-in of Slack for tests: the Web API methods the bot uses (recorded, with
 * Slack's real wire format: form-encoded or JSON requests, `{ ok, … }` JSON answers, HTTP
 * 429 + Retry-After for `ratelimited`; the methods themselves are in slack-standin-api.ts),
 * the external file-upload URL, `url_private` file downloads, slash-command and
 * interactivity `response_url`s, and Socket Mode: `apps.connections.open` returns a local
 * WebSocket URL that says `hello`, sends envelopes and records the `envelope_id` acks.
 * Everything listens on 127.0.0.1, port 0.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { parse as parseQuery } from 'node:querystring';
import { WebSocket, WebSocketServer } from 'ws';
import { answerApi, type StandInFile, type StoredMessage, type WorkspaceModel } from './slack-standin-api.js';

export type { StandInFile, StoredMessage } from './slack-standin-api.js';

export interface ApiCall {
  method: string;
  args: Record<string, unknown>;
  /** The bearer token the call was made with (tests assert which token was used, never log it). */
  token?: string;
  at: number;
}

export interface UploadRecord {
  fileId: string;
  filename?: string;
  bytes: Buffer;
}

export interface EnvelopeAck {
  envelope_id: string;
  payload?: Record<string, unknown>;
}

const JSON_ARGS = new Set(['blocks', 'attachments', 'files', 'chunks', 'prompts', 'metadata']);

export class SlackStandIn implements WorkspaceModel {
  readonly calls: ApiCall[] = [];
  readonly uploads: UploadRecord[] = [];
  /** Bodies POSTed to a slash command's response_url. */
  readonly responses: Record<string, unknown>[] = [];
  readonly acks: EnvelopeAck[] = [];
  readonly teamId = 'T0STANDIN';
  readonly botUserId = 'UBOTSTANDIN';
  readonly botId = 'BBOTSTANDIN';
  readonly appId = 'ASTANDIN';
  /** Channels the bot is not a member of: chat.postMessage answers `not_in_channel`. */
  readonly nonMemberChannels = new Set<string>();
  /** Messages per channel, as conversations.replies will return them. */
  readonly messages = new Map<string, StoredMessage[]>();
  /** Files served at `url_private` (path → bytes). */
  readonly privateFiles = new Map<string, { body: Buffer; contentType: string }>();
  /** Files `files.info` knows (id → file object). */
  readonly files = new Map<string, StandInFile>();
  readonly assistantThreads = new Set<string>();
  readonly statuses = new Map<string, string>();
  /** When set, every chat.startStream fails with this error (e.g. `not_allowed`). */
  streamRefusal?: string;
  /** Messages carrying a block of one of these types fail with `invalid_blocks`. */
  readonly refusedBlockTypes = new Set<string>();
  private readonly rateLimits = new Map<string, number[]>();
  private readonly sockets = new Set<WebSocket>();
  private readonly ackWaiters = new Map<string, (ack: EnvelopeAck) => void>();
  private seq = 0;
  private fileSeq = 0;
  private wss!: WebSocketServer;
  private server!: http.Server;
  baseUrl = '';

  private constructor(
    readonly botToken: string,
    readonly appToken: string,
  ) {}

  static async start(options: { botToken: string; appToken?: string }): Promise<SlackStandIn> {
    const standIn = new SlackStandIn(options.botToken, options.appToken ?? 'xapp-none');
    await standIn.listen();
    return standIn;
  }

  get apiUrl(): string {
    return `${this.baseUrl}/api/`;
  }

  nextFileId(): string {
    this.fileSeq += 1;
    return `F${String(this.fileSeq).padStart(8, '0')}`;
  }

  /** Serve bytes as a private file and let files.info describe it; returns the file object. */
  addFile(name: string, body: Buffer, mimetype = 'image/png'): StandInFile {
    const id = this.nextFileId();
    const path = `/files-pri/${this.teamId}-${id}/${name}`;
    this.privateFiles.set(path, { body, contentType: mimetype });
    const file = { id, name, mimetype, size: body.length, url_private: `${this.baseUrl}${path}`, url_private_download: `${this.baseUrl}${path}` };
    this.files.set(id, file);
    return file;
  }

  /** Move a file to a new URL (the old one answers 404), as when Slack rotates a file's URL. */
  moveFile(id: string): StandInFile {
    const file = this.files.get(id)!;
    const oldPath = new URL(file.url_private).pathname;
    const body = this.privateFiles.get(oldPath)!;
    this.privateFiles.delete(oldPath);
    const path = `/files-pri/${this.teamId}-${id}/moved-${randomUUID().slice(0, 6)}/${file.name}`;
    this.privateFiles.set(path, body);
    const moved = { ...file, url_private: `${this.baseUrl}${path}`, url_private_download: `${this.baseUrl}${path}` };
    this.files.set(id, moved);
    return moved;
  }

  /** End a natively streamed message as Slack does after its undocumented timeout. */
  expireStream(channel: string, ts: string): void {
    const message = this.messages.get(channel)?.find((m) => m.ts === ts);
    if (message) message.streaming = false;
  }

  /** The bot's messages in a thread, as a user sees them (placeholders deleted are gone). */
  botMessagesIn(channel: string, threadTs: string): StoredMessage[] {
    return (this.messages.get(channel) ?? []).filter((m) => m.thread_ts === threadTs && m.bot_id === this.botId);
  }

  /** A fresh, increasing Slack timestamp ("1700000001.000001"). */
  nextTs(): string {
    this.seq += 1;
    return `${1_700_000_000 + this.seq}.${String(this.seq).padStart(6, '0')}`;
  }

  /** The next call(s) of `method` answer HTTP 429 `ratelimited` with this Retry-After (seconds). */
  rateLimitNext(method: string, retryAfterSeconds: number, times = 1): void {
    const queue = this.rateLimits.get(method) ?? [];
    for (let i = 0; i < times; i++) queue.push(retryAfterSeconds);
    this.rateLimits.set(method, queue);
  }

  /** Add a message to a channel (a person talking), e.g. earlier messages of a thread. */
  addMessage(channel: string, message: Omit<StoredMessage, 'ts'> & { ts?: string }): StoredMessage {
    const stored = { ...message, ts: message.ts ?? this.nextTs() };
    const list = this.messages.get(channel) ?? [];
    list.push(stored);
    this.messages.set(channel, list);
    return stored;
  }

  callsTo(method: string): ApiCall[] {
    return this.calls.filter((c) => c.method === method);
  }

  /** Poll until `check` returns a truthy value (or throw after `timeoutMs`). */
  async waitFor<T>(check: () => T | undefined | false, timeoutMs = 10_000, what = 'condition'): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const value = check();
      if (value) return value;
      if (Date.now() > deadline) throw new Error(`stand-in: timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  // ---- Socket Mode -------------------------------------------------------------------

  get openSockets(): number {
    return [...this.sockets].filter((s) => s.readyState === WebSocket.OPEN).length;
  }

  /** Send an envelope on the newest socket and resolve with the app's ack (matched by envelope_id). */
  async sendEnvelope(
    type: 'events_api' | 'slash_commands' | 'interactive',
    payload: Record<string, unknown>,
    options: { retryAttempt?: number; retryReason?: string; timeoutMs?: number } = {},
  ): Promise<EnvelopeAck> {
    const socket = [...this.sockets].reverse().find((s) => s.readyState === WebSocket.OPEN);
    if (!socket) throw new Error('stand-in: no open Socket Mode connection');
    const envelopeId = randomUUID();
    const acked = new Promise<EnvelopeAck>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`stand-in: envelope ${envelopeId} was not acked`)), options.timeoutMs ?? 5000);
      this.ackWaiters.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
    });
    const envelope: Record<string, unknown> = { envelope_id: envelopeId, type, payload, accepts_response_payload: type !== 'events_api' };
    if (type === 'events_api') {
      envelope.retry_attempt = options.retryAttempt ?? 0;
      envelope.retry_reason = options.retryReason ?? '';
    }
    socket.send(JSON.stringify(envelope));
    return await acked;
  }

  // ---- HTTP ----------------------------------------------------------------------------

  private async listen(): Promise<void> {
    this.server = http.createServer((req, res) => {
      void this.route(req, res).catch((err: unknown) => {
        res.writeHead(500, { 'content-type': 'text/plain' });
        res.end(String(err));
      });
    });
    this.wss = new WebSocketServer({ server: this.server, path: '/socket' });
    this.wss.on('connection', (socket) => {
      this.sockets.add(socket);
      socket.on('close', () => this.sockets.delete(socket));
      socket.on('message', (data) => {
        const ack = JSON.parse(String(data)) as EnvelopeAck;
        this.acks.push(ack);
        this.ackWaiters.get(ack.envelope_id)?.(ack);
        this.ackWaiters.delete(ack.envelope_id);
      });
      socket.send(JSON.stringify({ type: 'hello', num_connections: this.sockets.size, connection_info: { app_id: this.appId }, debug_info: { host: 'standin' } }));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks);
    const url = new URL(req.url ?? '/', this.baseUrl);
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];

    if (url.pathname.startsWith('/api/')) {
      const method = url.pathname.slice('/api/'.length);
      const args = this.parseArgs(raw, req.headers['content-type'] ?? '');
      const token = bearer ?? (typeof args.token === 'string' ? args.token : undefined);
      this.calls.push({ method, args, token, at: Date.now() });
      const limited = this.rateLimits.get(method)?.shift();
      if (limited !== undefined) {
        res.writeHead(429, { 'content-type': 'application/json', 'retry-after': String(limited) });
        res.end(JSON.stringify({ ok: false, error: 'ratelimited' }));
        return;
      }
      const expected = method === 'apps.connections.open' ? this.appToken : this.botToken;
      const body = token === expected ? answerApi(this, method, args) : { ok: false, error: 'invalid_auth' };
      res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
      res.end(JSON.stringify(body));
      return;
    }
    if (url.pathname.startsWith('/upload/')) {
      const fileId = url.pathname.slice('/upload/'.length);
      const form = await new Response(raw, { headers: { 'content-type': req.headers['content-type'] ?? '' } }).formData().catch(() => undefined);
      const file = form ? ([...form.values()].find((v) => typeof v !== 'string') as Blob & { name?: string }) : undefined;
      this.uploads.push({ fileId, filename: file?.name, bytes: file ? Buffer.from(await file.arrayBuffer()) : raw });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end(`OK - ${raw.length}`);
      return;
    }
    if (url.pathname.startsWith('/commands/') || url.pathname.startsWith('/actions/')) {
      this.responses.push(JSON.parse(raw.toString() || '{}') as Record<string, unknown>);
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    const file = this.privateFiles.get(url.pathname);
    if (file) {
      // Like Slack: without the bot token, the "file" is an HTML sign-in page.
      if (bearer !== this.botToken) {
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>sign in</html>');
        return;
      }
      res.writeHead(200, { 'content-type': file.contentType, 'content-length': String(file.body.length) });
      res.end(file.body);
      return;
    }
    res.writeHead(404);
    res.end();
  }

  private parseArgs(raw: Buffer, contentType: string): Record<string, unknown> {
    const text = raw.toString();
    const parsed: Record<string, unknown> = contentType.includes('application/json')
      ? (JSON.parse(text || '{}') as Record<string, unknown>)
      : (parseQuery(text) as Record<string, unknown>);
    for (const key of Object.keys(parsed)) {
      const value = parsed[key];
      if (JSON_ARGS.has(key) && typeof value === 'string') parsed[key] = JSON.parse(value);
    }
    return parsed;
  }

  /** Close the stand-in after the app's socket has closed (Bolt 5 otherwise hangs ~30 s). */
  async close(): Promise<void> {
    const deadline = Date.now() + 5000;
    while (this.openSockets > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    for (const socket of this.sockets) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
