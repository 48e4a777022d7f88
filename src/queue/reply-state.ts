/**
 * The Redis-backed `ReplyState` of one job: a hash of JSON values (e.g. the id of the
 * placeholder a Reply posted). A retried job — on this worker or another one — gets the
 * same state back, which is what makes posting idempotent.
 */
import type { Redis } from 'ioredis';
import type { ReplyState } from './reply.js';
import { keys, REPLY_STATE_TTL_SECONDS } from './keys.js';

export function createReplyState(connection: Redis, prefix: string, jobId: string): ReplyState {
  const key = keys.replyState(prefix, jobId);
  return {
    async get<T = unknown>(field: string): Promise<T | undefined> {
      const raw = await connection.hget(key, field);
      return raw === null ? undefined : (JSON.parse(raw) as T);
    },
    async set(field: string, value: unknown): Promise<void> {
      await connection.multi().hset(key, field, JSON.stringify(value ?? null)).expire(key, REPLY_STATE_TTL_SECONDS).exec();
    },
  };
}
