/**
 * The REST half of the Discord stand-in: the v10 routes the bot and its worker use,
 * with a tiny in-memory model of channels, messages and interaction responses. Every
 * request is recorded — JSON bodies, multipart `payload_json` and each `files[n]` part.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { messagePayload, snowflake, threadPayload, type UserPayload } from './discord-standin-payloads.js';

export interface RecordedFile {
  field: string;
  filename: string;
  contentType: string;
  size: number;
  bytes: Buffer;
}

export interface RestCall {
  method: string;
  /** Path after `/api/v10`, exactly as received (the webhook route arrives as `%40original`). */
  path: string;
  query: string;
  /** The request carried `Authorization: Bot <the right token>`. */
  authorized: boolean;
  /** JSON body, or the parsed `payload_json` part of a multipart body. */
  body: Record<string, unknown> | undefined;
  files: RecordedFile[];
  status: number;
  /** `performance.now()` when the request was answered (same clock as the test process). */
  at: number;
}

export interface Fault {
  method: string;
  path: RegExp;
  status: number;
  /** Seconds, sent as `Retry-After` and `retry_after` for 429s. */
  retryAfter?: number;
  code?: number;
  times: number;
  /** Only requests whose (JSON or payload_json) body matches fail. */
  when?: (body: Record<string, unknown> | undefined) => boolean;
}

export interface RestModel {
  token: string;
  applicationId: string;
  botUser: UserPayload;
  guildId: string;
  channels: Map<string, Record<string, unknown>>;
  messages: Map<string, Record<string, unknown>>;
  /** Interaction token → id of its original response message. */
  originals: Map<string, string>;
  /** Interaction token → the interaction (its id, channel and user; for a button click its message and replies). */
  interactions: Map<string, { id: string; channelId: string; user: UserPayload; messageId?: string; replies?: Record<string, unknown>[] }>;
  /** Tokens the stand-in treats as expired (15 minutes passed). */
  expiredTokens: Set<string>;
  /** Bytes served under /attachments/<name> (users' uploads). */
  uploads: Map<string, { bytes: Buffer; contentType: string }>;
  /** Signatures (`hm` query values) of attachment URLs that expired: such URLs answer 404. */
  expiredSignatures: Set<string>;
  /** Threads archived, and whether they are locked too (then the bot cannot unarchive them). */
  archived: Map<string, { locked: boolean }>;
  dispatch(t: string, d: unknown): void;
  gatewayUrl(): string;
  /** Real Discord echoes the bot's own messages over the gateway. */
  echoBotMessages: boolean;
}

type Json = Record<string, unknown>;
interface Reply {
  status: number;
  body?: unknown;
}

const API_PREFIX = '/api/v10';

export async function readBody(req: IncomingMessage): Promise<{ body: Json | undefined; files: RecordedFile[] }> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks);
  const type = req.headers['content-type'] ?? '';
  if (raw.length === 0) return { body: undefined, files: [] };
  if (type.startsWith('multipart/form-data')) {
    const form = await new Response(raw, { headers: { 'content-type': type } }).formData();
    const files: RecordedFile[] = [];
    let body: Json | undefined;
    for (const [field, value] of form.entries()) {
      if (typeof value === 'string') {
        if (field === 'payload_json') body = JSON.parse(value) as Json;
      } else {
        const bytes = Buffer.from(await value.arrayBuffer());
        files.push({ field, filename: value.name, contentType: value.type, size: bytes.length, bytes });
      }
    }
    return { body, files };
  }
  return { body: JSON.parse(raw.toString('utf8')) as Json, files: [] };
}

function attachmentsFrom(body: Json | undefined, files: RecordedFile[]): Json[] {
  return files.map((file, i) => ({
    id: snowflake(),
    filename: file.filename,
    size: file.size,
    url: `https://cdn.invalid/attachments/${i}/${file.filename}`,
    proxy_url: `https://cdn.invalid/attachments/${i}/${file.filename}`,
    content_type: file.contentType,
    description: ((body?.attachments as Json[] | undefined)?.[i]?.description as string | undefined) ?? undefined,
  }));
}

export function createRestRouter(model: RestModel, faults: Fault[]) {
  const botMessage = (channelId: string, body: Json | undefined, files: RecordedFile[], extra: Json = {}): Json => {
    const channel = model.channels.get(channelId);
    const msg = messagePayload({
      channelId,
      guildId: (channel?.guild_id as string | undefined) ?? undefined,
      author: model.botUser,
      content: String(body?.content ?? ''),
    });
    Object.assign(msg, { attachments: attachmentsFrom(body, files), flags: body?.flags ?? 0, components: body?.components ?? [], ...extra });
    const ref = body?.message_reference as { message_id?: string } | undefined;
    if (ref?.message_id) Object.assign(msg, { type: 19, message_reference: { message_id: ref.message_id, channel_id: channelId } });
    model.messages.set(msg.id as string, msg);
    if (model.echoBotMessages) model.dispatch('MESSAGE_CREATE', msg);
    return msg;
  };

  const archivedError = (channelId: unknown): Reply | undefined =>
    model.archived.has(String(channelId)) ? { status: 400, body: { code: 50083, message: 'Thread is archived' } } : undefined;

  const editMessage = (id: string, body: Json | undefined, files: RecordedFile[]): Reply => {
    const msg = model.messages.get(id);
    if (!msg) return { status: 404, body: { code: 10008, message: 'Unknown Message' } };
    const archived = archivedError(msg.channel_id);
    if (archived) return archived;
    if (body && 'content' in body) msg.content = body.content;
    if (body && 'components' in body) msg.components = body.components;
    if (files.length > 0 || (body && 'attachments' in body)) msg.attachments = attachmentsFrom(body, files);
    msg.edited_timestamp = new Date().toISOString();
    return { status: 200, body: msg };
  };

  const routes: [string, RegExp, (m: string[], body: Json | undefined, files: RecordedFile[], query: URLSearchParams) => Reply][] = [
    ['GET', /^\/gateway\/bot$/, () => ({
      status: 200,
      body: { url: model.gatewayUrl(), shards: 1, session_start_limit: { total: 1000, remaining: 999, reset_after: 0, max_concurrency: 1 } },
    })],
    ['GET', /^\/applications\/@me$/, () => ({ status: 200, body: { id: model.applicationId, name: 'mrag', bot_public: true, flags: 0 } })],
    ['POST', /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/, (_m, body) => ({ status: 201, body: { id: snowflake(), application_id: model.applicationId, version: snowflake(), ...body } })],
    ['PUT', /^\/applications\/(\d+)(?:\/guilds\/(\d+))?\/commands$/, (_m, body) => ({ status: 200, body })],
    ['POST', /^\/channels\/(\d+)\/messages$/, ([, ch], body, files) => {
      if (!model.channels.has(ch!)) return { status: 404, body: { code: 10003, message: 'Unknown Channel' } };
      return archivedError(ch) ?? { status: 200, body: botMessage(ch!, body, files) };
    }],
    ['GET', /^\/channels\/(\d+)\/messages\/(\d+)$/, ([, ch, id]) => {
      const msg = model.messages.get(id!);
      return msg && msg.channel_id === ch ? { status: 200, body: msg } : { status: 404, body: { code: 10008, message: 'Unknown Message' } };
    }],
    ['POST', /^\/channels\/(\d+)\/typing$/, ([, ch]) => (model.channels.has(ch!) ? { status: 204 } : { status: 404, body: { code: 10003, message: 'Unknown Channel' } })],
    ['PATCH', /^\/channels\/(\d+)$/, ([, ch], body) => {
      const channel = model.channels.get(ch!);
      if (!channel) return { status: 404, body: { code: 10003, message: 'Unknown Channel' } };
      const archived = model.archived.get(ch!);
      if (body?.archived === false && archived) {
        // A locked thread can only be unarchived with Manage Threads, which the bot does not ask for.
        if (archived.locked) return { status: 403, body: { code: 50013, message: 'Missing Permissions' } };
        model.archived.delete(ch!);
        (channel.thread_metadata as Json).archived = false;
      }
      return { status: 200, body: channel };
    }],
    ['POST', /^\/attachments\/refresh-urls$/, (_m, body) => {
      const urls = (body?.attachment_urls as string[] | undefined) ?? [];
      const refreshed = urls.map((original) => {
        const u = new URL(original);
        u.searchParams.set('ex', 'ffffffff');
        u.searchParams.set('hm', `fresh${snowflake()}`);
        return { original, refreshed: u.toString() };
      });
      return { status: 200, body: { refreshed_urls: refreshed } };
    }],
    ['PATCH', /^\/channels\/(\d+)\/messages\/(\d+)$/, ([, , id], body, files) => editMessage(id!, body, files)],
    ['GET', /^\/channels\/(\d+)\/messages$/, ([, ch], _body, _files, query) => {
      const before = query.get('before');
      const limit = Number(query.get('limit') ?? 50);
      const older = [...model.messages.values()].filter((m) => m.channel_id === ch && (!before || BigInt(String(m.id)) < BigInt(before)));
      return { status: 200, body: older.reverse().slice(0, limit) }; // newest first, like Discord
    }],
    ['POST', /^\/channels\/(\d+)\/messages\/(\d+)\/threads$/, ([, ch, id], body) => {
      const parent = model.channels.get(ch!);
      if (!parent) return { status: 404, body: { code: 10003, message: 'Unknown Channel' } };
      if (model.channels.has(id!)) return { status: 400, body: { code: 160004, message: 'A thread has already been created for this message' } };
      // Like Discord: a thread started on a message has the message's id.
      const thread = threadPayload(id!, model.guildId, ch!, model.botUser.id, String(body?.name ?? ''));
      model.channels.set(id!, thread);
      model.dispatch('THREAD_CREATE', { ...thread, newly_created: true });
      return { status: 201, body: thread };
    }],
    ['POST', /^\/interactions\/(\d+)\/([^/]+)\/callback$/, ([, , token], body) => {
      const type = Number(body?.type);
      const interaction = model.interactions.get(token!);
      if (type === 7 || type === 6) {
        // UPDATE_MESSAGE / DEFERRED_UPDATE_MESSAGE: only for component interactions, on their message.
        if (!interaction?.messageId) return { status: 400, body: { code: 40060, message: 'Interaction has already been acknowledged or has no message' } };
        if (type === 7) editMessage(interaction.messageId, (body?.data ?? {}) as Json, []);
        return { status: 204 };
      }
      if (type === 4 && interaction?.messageId) {
        // A reply to a component interaction (e.g. an ephemeral note): recorded, not a channel message.
        interaction.replies = [...(interaction.replies ?? []), (body?.data ?? {}) as Json];
        return { status: 204 };
      }
      if (type === 4 || type === 5) {
        const data = (body?.data ?? {}) as Json;
        if (!interaction) return { status: 404, body: { code: 10062, message: 'Unknown interaction' } };
        const msg = botMessage(interaction.channelId, type === 4 ? data : { content: '' }, [], {
          flags: Number(data.flags ?? 0) | (type === 5 ? 128 : 0),
          type: 20,
          interaction_metadata: { id: interaction.id, type: 2, user: interaction.user, authorizing_integration_owners: {} },
        });
        model.originals.set(token!, msg.id as string);
      }
      return { status: 204 };
    }],
    ['GET', /^\/webhooks\/(\d+)\/([^/]+)\/messages\/%40original$/, ([, , token]) => {
      if (model.expiredTokens.has(token!)) return { status: 401, body: { code: 50027, message: 'Invalid Webhook Token' } };
      const id = model.originals.get(token!);
      return id ? { status: 200, body: model.messages.get(id) } : { status: 404, body: { code: 10008, message: 'Unknown Message' } };
    }],
    ['PATCH', /^\/webhooks\/(\d+)\/([^/]+)\/messages\/%40original$/, ([, , token], body, files) => {
      if (model.expiredTokens.has(token!)) return { status: 401, body: { code: 50027, message: 'Invalid Webhook Token' } };
      const id = model.originals.get(token!);
      if (!id) return { status: 404, body: { code: 10015, message: 'Unknown Webhook' } };
      const reply = editMessage(id, body, files);
      const msg = model.messages.get(id);
      if (msg && typeof msg.flags === 'number') msg.flags &= ~128; // no longer "thinking"
      return reply;
    }],
    ['POST', /^\/webhooks\/(\d+)\/([^/]+)$/, ([, , token], body, files) => {
      if (model.expiredTokens.has(token!)) return { status: 401, body: { code: 50027, message: 'Invalid Webhook Token' } };
      const original = model.originals.get(token!);
      const channelId = original ? String(model.messages.get(original)?.channel_id ?? '') : '';
      return { status: 200, body: botMessage(channelId, body, files) };
    }],
  ];

  return async function handle(req: IncomingMessage, res: ServerResponse, calls: RestCall[], onCall: (c: RestCall) => void) {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const method = req.method ?? 'GET';
    if (method === 'GET' && url.pathname.startsWith('/attachments/')) {
      const upload = model.uploads.get(decodeURIComponent(url.pathname.slice('/attachments/'.length)));
      // Like Discord's CDN: a signed URL past its expiry answers 404 "This content is no longer available."
      const expired = model.expiredSignatures.has(url.searchParams.get('hm') ?? '');
      res.writeHead(upload && !expired ? 200 : 404, { 'content-type': upload && !expired ? upload.contentType : 'text/plain' });
      res.end(upload && !expired ? upload.bytes : 'This content is no longer available.');
      return;
    }
    // The raw path keeps `%40original` encoded, as Discord receives it.
    const rawPath = (req.url ?? '').split('?')[0] ?? '';
    const path = rawPath.startsWith(API_PREFIX) ? rawPath.slice(API_PREFIX.length) : rawPath;
    const { body, files } = await readBody(req);
    const authorized = req.headers.authorization === `Bot ${model.token}`;
    const webhookRoute = path.startsWith('/webhooks/') || path.startsWith('/interactions/');

    let reply: Reply;
    const faultIndex = faults.findIndex((f) => f.method === method && f.path.test(path) && (!f.when || f.when(body)));
    const fault = faultIndex >= 0 ? faults[faultIndex] : undefined;
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (fault) {
      fault.times -= 1;
      if (fault.times <= 0) faults.splice(faultIndex, 1);
      if (fault.status === 429) {
        headers['retry-after'] = String(fault.retryAfter ?? 1);
        headers['x-ratelimit-scope'] = 'user';
        reply = { status: 429, body: { message: 'You are being rate limited.', retry_after: fault.retryAfter ?? 1, global: false } };
      } else {
        reply = { status: fault.status, body: { code: fault.code ?? 0, message: `stand-in fault ${fault.status}` } };
      }
    } else if (!authorized && !webhookRoute) {
      reply = { status: 401, body: { code: 0, message: '401: Unauthorized' } };
    } else {
      const route = routes.find(([m, re]) => m === method && re.test(path));
      reply = route ? route[2](route[1].exec(path)!, body, files, url.searchParams) : { status: 404, body: { code: 0, message: `404: Not Found (${method} ${path})` } };
    }
    const call: RestCall = { method, path, query: url.search, authorized, body, files, status: reply.status, at: performance.now() };
    calls.push(call);
    if (reply.status === 204) {
      res.writeHead(204);
      res.end();
    } else {
      res.writeHead(reply.status, headers);
      res.end(JSON.stringify(reply.body ?? null));
    }
    onCall(call);
  };
}
