/**
 * Redis connections for the queue. BullMQ requires `maxRetriesPerRequest: null` (its
 * blocking commands must wait through reconnects instead of failing), so every connection
 * the queue, the gateway, thread memory or a worker uses is made here.
 */
import { Redis, type RedisOptions } from 'ioredis';

export type { Redis };

export function createRedisConnection(url: string, options: RedisOptions = {}): Redis {
  return new Redis(url, {
    ...options,
    maxRetriesPerRequest: null,
    // Reconnect forever with a capped delay: a Redis restart must not kill the bot or worker.
    retryStrategy: options.retryStrategy ?? ((times: number) => Math.min(times * 200, 2000)),
  });
}

/** Close a connection we own, politely when possible. */
export async function closeRedisConnection(connection: Redis): Promise<void> {
  if (connection.status === 'end') return;
  try {
    await connection.quit();
  } catch {
    connection.disconnect();
  }
}
