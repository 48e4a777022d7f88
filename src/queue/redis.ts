/**
 * Redis connections for the queue. BullMQ requires `maxRetriesPerRequest: null` (its
 * blocking commands must wait through reconnects instead of failing), so every connection
 * the queue, the gateway, thread memory or a worker uses is made here.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { getLogger, type Logger } from '../log.js';

export type { Redis };

export function createRedisConnection(url: string, options: RedisOptions & { logger?: Logger } = {}): Redis {
  const { logger, ...redisOptions } = options;
  const connection = new Redis(url, {
    ...redisOptions,
    maxRetriesPerRequest: null,
    // Reconnect forever with a capped delay: a Redis restart must not kill the bot or worker.
    retryStrategy: redisOptions.retryStrategy ?? ((times: number) => Math.min(times * 200, 2000)),
  });
  // Without a listener ioredis prints every failed reconnect; log once per outage instead.
  let down = false;
  connection.on('error', (err: Error) => {
    if (down) return;
    down = true;
    (logger ?? getLogger()).warn({ err: err.message }, 'Redis connection lost; reconnecting');
  });
  connection.on('ready', () => {
    if (down) (logger ?? getLogger()).info('Redis connection restored');
    down = false;
  });
  return connection;
}

/** Close a connection we own, politely when possible. */
export async function closeRedisConnection(connection: Redis): Promise<void> {
  if (connection.status === 'end') return;
  // QUIT would wait for a connection that is not there (commands queue while reconnecting).
  if (connection.status !== 'ready') {
    connection.disconnect();
    return;
  }
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}
