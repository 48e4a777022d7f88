/**
 * A platform worker side for tests that records what a real platform would show: which
 * messages were posted, edited, finished or failed. Posting is idempotent through the
 * job's ReplyState exactly as a real platform Reply must be. With a Redis connection the
 * events also go to a Redis list, so several processes (a killed worker and its
 * successor) can be observed together.
 */
import type { Redis } from 'ioredis';
import type { PlatformWorkerSide, Reply, ReplyContext } from '../../src/queue/reply.js';
import type { Answer } from '../../src/rag/types.js';

export interface ReplyEvent {
  type: 'post' | 'update' | 'finish' | 'fail';
  eventId: string;
  messageId: string;
  text: string;
  pid: number;
}

export interface RecordingPlatformOptions {
  /** Also RPUSH every event (JSON) to this Redis list. */
  redis?: { connection: Redis; key: string };
  /** Errors thrown by consecutive finish() calls before one succeeds (e.g. a 503 from the platform). */
  finishFailures?: unknown[];
  /** Bytes returned by fetchImage, per URL. */
  images?: Record<string, Uint8Array>;
}

export interface RecordingPlatform extends PlatformWorkerSide {
  events: ReplyEvent[];
  /** Every event recorded, from Redis when configured (all processes), else from memory. */
  readEvents(): Promise<ReplyEvent[]>;
  fetchedImages: string[];
}

export function createRecordingPlatform(options: RecordingPlatformOptions = {}): RecordingPlatform {
  const events: ReplyEvent[] = [];
  const fetchedImages: string[] = [];
  const finishFailures = [...(options.finishFailures ?? [])];
  let nextId = 0;

  const record = async (event: Omit<ReplyEvent, 'pid'>) => {
    const full = { ...event, pid: process.pid };
    events.push(full);
    if (options.redis) await options.redis.connection.rpush(options.redis.key, JSON.stringify(full));
  };

  const createReply = ({ job, state }: ReplyContext): Reply => {
    const messageId = async (): Promise<string> => {
      const existing = await state.get<string>('messageId');
      if (existing) return existing;
      const id = job.placeholderId ?? `m${process.pid}-${++nextId}`;
      await state.set('messageId', id);
      await record({ type: 'post', eventId: job.eventId, messageId: id, text: '' });
      return id;
    };
    return {
      async start() {
        await messageId();
      },
      async update(text: string) {
        await record({ type: 'update', eventId: job.eventId, messageId: await messageId(), text });
      },
      async finish(answer: Answer) {
        const failure = finishFailures.shift();
        if (failure !== undefined) throw failure;
        await record({ type: 'finish', eventId: job.eventId, messageId: await messageId(), text: answer.text });
      },
      async fail(reason: string) {
        await record({ type: 'fail', eventId: job.eventId, messageId: await messageId(), text: reason });
      },
    };
  };

  return {
    events,
    fetchedImages,
    createReply,
    async fetchImage(url: string) {
      fetchedImages.push(url);
      const bytes = options.images?.[url];
      if (!bytes) throw new Error(`no test image for ${url}`);
      return bytes;
    },
    async readEvents() {
      if (!options.redis) return [...events];
      const raw = await options.redis.connection.lrange(options.redis.key, 0, -1);
      return raw.map((r) => JSON.parse(r) as ReplyEvent);
    },
  };
}

/** Poll `check` until it returns a value other than undefined/false; throws after `timeoutMs`. */
export async function waitFor<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  options: { timeoutMs?: number; intervalMs?: number; what?: string } = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  for (;;) {
    const value = await check();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${options.what ?? 'a condition'}`);
    await new Promise((r) => setTimeout(r, options.intervalMs ?? 25));
  }
}
