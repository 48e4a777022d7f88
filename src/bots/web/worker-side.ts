/**
 * What the queue worker needs from the web chat: a Reply per job (into the conversation's
 * Redis stream) and the attached images, which the adapter left in Redis. The Redis
 * connection is opened on the first web job, so a worker that never gets one holds none.
 */
import type { Config } from '../../config/env.js';
import type { Logger } from '../../log.js';
import { PermanentJobError } from '../../queue/errors.js';
import { closeRedisConnection, createRedisConnection, type Redis } from '../../queue/redis.js';
import type { PlatformWorkerSide } from '../../queue/reply.js';
import { ConversationStore } from './conversations.js';
import { WebReply } from './reply.js';

/** `connection`: the worker's Redis (not closed here); without it one is opened on the first web job. */
export function createWebWorkerSide(deps: { config: Config; logger: Logger; connection?: Redis }): PlatformWorkerSide {
  const { config, logger } = deps;
  let owned: Redis | undefined;
  let store: ConversationStore | undefined;
  const open = (): ConversationStore => {
    const connection = deps.connection ?? (owned ??= createRedisConnection(config.redis.url, { logger }));
    store ??= new ConversationStore({ connection, prefix: config.redis.prefix, ttlSeconds: config.memory.ttlSeconds });
    return store;
  };
  return {
    createReply: (context) => new WebReply(open(), context),
    async fetchImage(url, maxBytes) {
      const bytes = await open().getUpload(url);
      if (!bytes) throw new PermanentJobError('web upload missing or expired', 'The attached image has expired; please attach it again.');
      if (bytes.length > maxBytes) {
        throw new PermanentJobError('attached image over the size cap', `The attached image is larger than ${Math.round(maxBytes / (1024 * 1024))} MB; please send a smaller one.`);
      }
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length);
    },
    async close() {
      if (owned) await closeRedisConnection(owned);
      owned = undefined;
      store = undefined;
    },
  };
}
