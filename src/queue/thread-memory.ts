/**
 * Thread memory in Redis: per (platform, channel, thread) the last N question/answer turns
 * and the ids of figures already shown, with a TTL refreshed on every write. Follow-ups
 * read it; adapters use `has`/`mark` to know whether a thread is the bot's own.
 *
 * Layout (all keys expire together): `<base>:turns` a list of JSON turns (oldest first,
 * trimmed to N), `<base>:figures` a list of figure ids (trimmed to MAX_FIGURE_IDS),
 * `<base>:mark` set when the bot owns the thread.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../config/env.js';
import type { ChatTurn } from '../rag/types.js';
import type { Platform } from './job.js';
import { keys } from './keys.js';

export interface ThreadRef {
  platform: Platform;
  channelId: string;
  /** Absent for DMs and channel-level conversations: the memory is then per channel. */
  threadId?: string;
}

export interface ThreadSnapshot {
  turns: ChatTurn[];
  /** Figures already shown in this thread, oldest first, without duplicates. */
  figureIds: string[];
}

export interface ThreadMemory {
  get(ref: ThreadRef): Promise<ThreadSnapshot>;
  append(ref: ThreadRef, turn: ChatTurn, figureIds?: readonly string[]): Promise<void>;
  /** True when the thread has turns or was marked as the bot's. */
  has(ref: ThreadRef): Promise<boolean>;
  mark(ref: ThreadRef): Promise<void>;
}

/** Figure ids remembered per thread (enough to avoid repeats in a long conversation). */
export const MAX_FIGURE_IDS = 200;
/** A stored answer is cut to this many characters: memory is context, not an archive. */
export const MAX_STORED_CHARS = 4000;

const storedTurnSchema = z.object({ question: z.string(), answer: z.string() });

export function createThreadMemory(deps: { connection: Redis; config: Config }): ThreadMemory {
  const { connection, config } = deps;
  const ttl = config.memory.ttlSeconds;
  const base = (ref: ThreadRef) => keys.thread(config.redis.prefix, ref.platform, ref.channelId, ref.threadId);
  const clip = (s: string) => (s.length > MAX_STORED_CHARS ? s.slice(0, MAX_STORED_CHARS) + '…' : s);

  return {
    async get(ref) {
      const b = base(ref);
      const [rawTurns, rawFigures] = await Promise.all([
        connection.lrange(`${b}:turns`, 0, -1),
        connection.lrange(`${b}:figures`, 0, -1),
      ]);
      const turns: ChatTurn[] = [];
      for (const raw of rawTurns) {
        try {
          const parsed = storedTurnSchema.safeParse(JSON.parse(raw));
          if (parsed.success) turns.push(parsed.data);
        } catch {
          // A corrupt entry is skipped rather than breaking the conversation.
        }
      }
      return { turns, figureIds: [...new Set(rawFigures)] };
    },

    async append(ref, turn, figureIds = []) {
      const b = base(ref);
      const tx = connection
        .multi()
        .rpush(`${b}:turns`, JSON.stringify({ question: clip(turn.question), answer: clip(turn.answer) }))
        .ltrim(`${b}:turns`, -config.memory.turns, -1)
        .set(`${b}:mark`, '1', 'EX', ttl)
        .expire(`${b}:turns`, ttl);
      const shown = [...new Set(figureIds)];
      if (shown.length > 0) {
        // Move re-shown figures to the end so trimming drops the oldest ones first.
        for (const id of shown) tx.lrem(`${b}:figures`, 0, id);
        tx.rpush(`${b}:figures`, ...shown)
          .ltrim(`${b}:figures`, -MAX_FIGURE_IDS, -1)
          .expire(`${b}:figures`, ttl);
      } else {
        tx.expire(`${b}:figures`, ttl);
      }
      await tx.exec();
    },

    async has(ref) {
      const b = base(ref);
      return (await connection.exists(`${b}:mark`, `${b}:turns`)) > 0;
    },

    async mark(ref) {
      const b = base(ref);
      await connection.multi().set(`${b}:mark`, '1', 'EX', ttl).expire(`${b}:turns`, ttl).expire(`${b}:figures`, ttl).exec();
    },
  };
}
