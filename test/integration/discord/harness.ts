/**
 * End-to-end set-up for Discord tests: the Discord stand-in, the real discord.js adapter
 * logged in to it, the real Redis gateway, feedback store and BullMQ worker under a unique
 * prefix, the Discord worker side (REST) and a stub answerer whose figures are small PNGs
 * made here.
 */
import { discordPlatform } from '../../../src/bots/discord/index.js';
import type { RunningDiscordAdapter } from '../../../src/bots/discord/adapter.js';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createAskGateway } from '../../../src/queue/ask-gateway.js';
import { createFeedbackStore } from '../../../src/queue/feedback.js';
import { keys } from '../../../src/queue/keys.js';
import { closeRedisConnection, createRedisConnection } from '../../../src/queue/redis.js';
import { createThreadMemory } from '../../../src/queue/thread-memory.js';
import { startAskWorker } from '../../../src/queue/worker.js';
import { makeFigures } from '../../helpers/figures.js';
import { startDiscordStandIn, type DiscordStandIn, type RestCall } from '../../platforms/discord-standin.js';
import { userPayload, type UserPayload } from '../../platforms/discord-standin-payloads.js';
import { cleanPrefix, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { createStubAnswerer, type StubAnswererOptions } from '../../helpers/stub-answerer.js';

export const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

let userCounter = 300;
/** A fresh user per test keeps per-user rate limits independent. */
export function newUser(name = 'user'): UserPayload {
  userCounter += 1;
  return userPayload(`100000000000000${userCounter}`, `${name}${userCounter}`);
}

export async function startDiscordHarness(options: { env?: (standIn: DiscordStandIn) => Record<string, string>; answerer?: StubAnswererOptions } = {}) {
  const standIn = await startDiscordStandIn();
  const config = loadConfig({
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: uniquePrefix('discord'),
    DISCORD_TOKEN: standIn.token,
    DISCORD_API_URL: standIn.apiUrl,
    REPLY_EDIT_INTERVAL_MS: '100',
    WORKER_CONCURRENCY: '4',
    RATE_LIMIT_USER_PER_MINUTE: '3',
    RATE_LIMIT_CHANNEL_PER_MINUTE: '1000',
    ...options.env?.(standIn),
  });
  const figures = await makeFigures();
  const answerer = createStubAnswerer({ figures, tokenDelayMs: 2, ...options.answerer });
  const connection = createRedisConnection(config.redis.url);
  const workerConnection = createRedisConnection(config.redis.url);
  const gateway = createAskGateway({ config, connection, logger });
  const feedback = createFeedbackStore(connection, config.redis.prefix);
  const adapter = (await discordPlatform.startAdapter({ config, gateway, logger, feedback })) as RunningDiscordAdapter;
  const workerSide = discordPlatform.createWorkerSide({ config, logger });
  const worker = await startAskWorker({ config, connection: workerConnection, answerer, platforms: { discord: workerSide }, logger });
  const memory = createThreadMemory({ connection, config });

  return {
    standIn,
    config,
    answerer,
    figures,
    adapter,
    connection,
    memory,
    feedback,
    /** True when the gateway admitted this event (the adapter acted on it). */
    async wasAdmitted(eventId: string): Promise<boolean> {
      return (await connection.exists(keys.admitted(config.redis.prefix, 'discord', eventId))) === 1;
    },
    /** The final answer message: the first bot message/edit that carries figure files. */
    async finalWithFiles(pathPart: string): Promise<RestCall> {
      return await standIn.waitForCall((c) => c.status < 300 && c.path.includes(pathPart) && c.files.length > 0);
    },
    async close() {
      await worker.close();
      await adapter.stop();
      await workerSide.close?.();
      await gateway.close();
      await closeRedisConnection(workerConnection);
      await cleanPrefix(config.redis.url, config.redis.prefix);
      await closeRedisConnection(connection);
      await standIn.stop();
    },
  };
}

export type DiscordHarness = Awaited<ReturnType<typeof startDiscordHarness>>;

/** Every message the bot created or edited (channel and webhook routes). */
export function botWrites(calls: readonly RestCall[]): RestCall[] {
  return calls.filter(
    (c) => (c.method === 'POST' || c.method === 'PATCH') && (/\/messages(\/\d+)?$/.test(c.path) || /\/messages\/%40original$/.test(c.path) || /^\/interactions\//.test(c.path)),
  );
}
