/**
 * The web chat's state in Redis, shared by the adapter (bot side) and the WebReply (worker
 * side): it is the "platform" a web answer is posted to, so that `mrag web` and
 * `mrag worker` on different machines need nothing but the same Redis.
 *
 * Keys (all under `<prefix>:web:`, all expiring with the thread memory, THREAD_MEMORY_TTL_DAYS):
 * - `conversation:<id>`        Redis stream of StreamEvent JSON (`e` field), trimmed to ~CONVERSATION_STREAM_MAXLEN
 * - `conversation:<id>:meta`   hash: owner (user id), title, createdAt
 * - `user:<userId>:conversations` sorted set: conversation id → last activity (ms)
 * - `upload:<id>`              an attached image's bytes until the worker reads it (UPLOAD_TTL_SECONDS)
 * - `figure:<sha256>.<ext>`    a figure's bytes, content-addressed, for the answer's inline images
 */
import type { Redis } from 'ioredis';
import { streamEventSchema, type ConversationSummary, type StreamEvent } from './protocol.js';
import { CONVERSATION_STREAM_MAXLEN, MAX_CONVERSATIONS_LISTED, UPLOAD_TTL_SECONDS } from './types.js';

export const webKeys = {
  conversation: (prefix: string, id: string) => `${prefix}:web:conversation:${id}`,
  meta: (prefix: string, id: string) => `${prefix}:web:conversation:${id}:meta`,
  userConversations: (prefix: string, userId: string) => `${prefix}:web:user:${userId}:conversations`,
  upload: (prefix: string, id: string) => `${prefix}:web:upload:${id}`,
  figure: (prefix: string, name: string) => `${prefix}:web:figure:${name}`,
  login: (prefix: string, client: string) => `${prefix}:web:login:${client}`,
};

/** The URL an attached image travels under in the job (the worker reads it back from Redis). */
export const UPLOAD_URL_SCHEME = 'mrag-upload:';

/** A stream entry as read back: its id (also the SSE event id) and the validated event. */
export interface StreamEntry {
  id: string;
  event: StreamEvent;
}

export interface ConversationStoreOptions {
  connection: Redis;
  prefix: string;
  /** Seconds every key lives after its last write. */
  ttlSeconds: number;
}

export class ConversationStore {
  constructor(private readonly options: ConversationStoreOptions) {}

  private get redis() {
    return this.options.connection;
  }

  private key(id: string) {
    return webKeys.conversation(this.options.prefix, id);
  }

  /** Append one event; returns its stream id. */
  async append(conversationId: string, event: StreamEvent): Promise<string> {
    const key = this.key(conversationId);
    const result = await this.redis
      .multi()
      .xadd(key, 'MAXLEN', '~', String(CONVERSATION_STREAM_MAXLEN), '*', 'e', JSON.stringify(event))
      .expire(key, this.options.ttlSeconds)
      .exec();
    const [err, id] = result?.[0] ?? [new Error('no reply from Redis'), null];
    if (err) throw err;
    return String(id);
  }

  /** Entries after `afterId` (exclusive; all when undefined), oldest first. Malformed entries are skipped. */
  async read(conversationId: string, afterId?: string, count = 1000): Promise<StreamEntry[]> {
    const start = afterId ? `(${afterId}` : '-';
    return parseEntries(await this.redis.xrange(this.key(conversationId), start, '+', 'COUNT', count));
  }

  /** Owner (user id) of a conversation, or undefined when it does not exist (or expired). */
  async owner(conversationId: string): Promise<string | undefined> {
    return (await this.redis.hget(webKeys.meta(this.options.prefix, conversationId), 'owner')) ?? undefined;
  }

  /**
   * Claim a conversation for `userId` (first question) or touch it (later ones).
   * Returns false when it belongs to someone else.
   */
  async claim(conversationId: string, userId: string, title: string): Promise<boolean> {
    const { prefix, ttlSeconds } = this.options;
    const meta = webKeys.meta(prefix, conversationId);
    await this.redis.hsetnx(meta, 'owner', userId);
    const owner = await this.redis.hget(meta, 'owner');
    if (owner !== userId) return false;
    const list = webKeys.userConversations(prefix, userId);
    await this.redis
      .multi()
      .hsetnx(meta, 'title', title)
      .hsetnx(meta, 'createdAt', String(Date.now()))
      .expire(meta, ttlSeconds)
      .zadd(list, String(Date.now()), conversationId)
      .zremrangebyrank(list, 0, -(MAX_CONVERSATIONS_LISTED + 1))
      .expire(list, ttlSeconds)
      .exec();
    return true;
  }

  /** The user's conversations, most recent first (expired ones dropped). */
  async list(userId: string): Promise<ConversationSummary[]> {
    const { prefix } = this.options;
    const raw = await this.redis.zrevrange(webKeys.userConversations(prefix, userId), 0, MAX_CONVERSATIONS_LISTED - 1, 'WITHSCORES');
    const ids = raw.filter((_, i) => i % 2 === 0);
    if (ids.length === 0) return [];
    const pipeline = this.redis.pipeline();
    for (const id of ids) pipeline.hget(webKeys.meta(prefix, id), 'title');
    const titles = (await pipeline.exec()) ?? [];
    return ids.flatMap((id, i) => {
      const title = titles[i]?.[1];
      return typeof title === 'string' ? [{ id, title, updatedAt: Number(raw[i * 2 + 1]) }] : [];
    });
  }

  /** Keep an attached image until the worker reads it; returns the URL to put in the job. */
  async putUpload(id: string, bytes: Uint8Array): Promise<string> {
    await this.redis.set(webKeys.upload(this.options.prefix, id), Buffer.from(bytes), 'EX', UPLOAD_TTL_SECONDS);
    return `${UPLOAD_URL_SCHEME}${id}`;
  }

  async getUpload(url: string): Promise<Buffer | undefined> {
    if (!url.startsWith(UPLOAD_URL_SCHEME)) return undefined;
    return (await this.redis.getBuffer(webKeys.upload(this.options.prefix, url.slice(UPLOAD_URL_SCHEME.length)))) ?? undefined;
  }

  /** Store a figure's bytes under its content name (`<sha256>.<ext>`), refreshing the expiry. */
  async putFigure(name: string, bytes: Uint8Array): Promise<void> {
    await this.redis.set(webKeys.figure(this.options.prefix, name), Buffer.from(bytes), 'EX', this.options.ttlSeconds);
  }

  async getFigure(name: string): Promise<Buffer | undefined> {
    return (await this.redis.getBuffer(webKeys.figure(this.options.prefix, name))) ?? undefined;
  }
}

/** XRANGE/XREAD replies → validated entries. */
export function parseEntries(raw: Array<[string, string[]]>): StreamEntry[] {
  const out: StreamEntry[] = [];
  for (const [id, fields] of raw) {
    const index = fields.indexOf('e');
    if (index < 0 || index + 1 >= fields.length) continue;
    try {
      const parsed = streamEventSchema.safeParse(JSON.parse(fields[index + 1]!));
      if (parsed.success) out.push({ id, event: parsed.data });
    } catch {
      // A corrupt entry is skipped rather than breaking the conversation.
    }
  }
  return out;
}

/**
 * A replay for a browser that (re)opens a conversation from the start: the streamed
 * partials of answers that already ended are dropped, the final answer is enough.
 */
export function compactReplay(entries: StreamEntry[]): StreamEntry[] {
  const ended = new Set(entries.filter((e) => e.event.type === 'final' || e.event.type === 'error').map((e) => e.event.answerId));
  const partial = new Set(['status', 'delta', 'text']);
  return entries.filter((e) => !(partial.has(e.event.type) && ended.has(e.event.answerId)));
}
