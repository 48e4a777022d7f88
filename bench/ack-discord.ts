/**
 * Discord acknowledgement latency under a burst: 50 @mentions and 50 `/ask` commands
 * arrive at once on the stand-in gateway; we measure, per question, the time from the
 * dispatch to the placeholder POST (mentions: thread created + placeholder posted) and
 * to the deferral callback (slash commands, Discord's deadline is 3 s). Real adapter,
 * real Redis gateway; no worker (only the bot side is measured).
 *
 * Expect mentions to spread over ~2 s: each needs two REST calls (thread, placeholder)
 * and the REST client holds to Discord's global 50 requests/s, as it must. Interaction
 * callbacks are exempt from that limit, so deferrals stay fast.
 *
 *   npm run bench -- ack-discord [count]
 */
import { startDiscordAdapter } from '../src/bots/discord/adapter.js';
import { PLACEHOLDER_TEXT } from '../src/bots/discord/types.js';
import { loadConfig } from '../src/config/env.js';
import { createLogger } from '../src/log.js';
import { createAskGateway } from '../src/queue/ask-gateway.js';
import { keys } from '../src/queue/keys.js';
import { closeRedisConnection, createRedisConnection } from '../src/queue/redis.js';
import { cleanPrefix, TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { startDiscordStandIn } from '../test/platforms/discord-standin.js';
import { userPayload } from '../test/platforms/discord-standin-payloads.js';

const count = Number(process.argv[2] ?? 50);
const logger = createLogger({ level: 'warn' });

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? NaN;
}

function summary(values: number[]) {
  const s = [...values].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return { n: s.length, p50: r(percentile(s, 50)), p95: r(percentile(s, 95)), max: r(s.at(-1) ?? NaN) };
}

const standIn = await startDiscordStandIn({ echoBotMessages: false });
const config = loadConfig({
  REDIS_URL: process.env.REDIS_URL ?? TEST_REDIS_URL,
  REDIS_PREFIX: uniquePrefix('bench-ack-discord'),
  DISCORD_TOKEN: standIn.token,
  DISCORD_API_URL: standIn.apiUrl,
  RATE_LIMIT_CHANNEL_PER_MINUTE: '100000',
  QUEUE_MAX_WAITING: '100000',
});
const connection = createRedisConnection(config.redis.url);
const gateway = createAskGateway({ config, connection, logger });
const adapter = await startDiscordAdapter({ config: config.discord!, gateway, logger });

try {
  // Burst 1: mentions.
  const users = Array.from({ length: count }, (_, i) => userPayload(`2000000000000${String(i).padStart(5, '0')}`, `u${i}`));
  const mentions = users.map((author, i) => standIn.userMessage({ content: `burst question number ${i}?`, mentionBot: true, author }));
  const sentAt = new Map<string, number>();
  for (const m of mentions) {
    sentAt.set(String(m.id), performance.now());
    standIn.sendMessage(m);
  }
  const threadLatency = await Promise.all(
    mentions.map(async (m) => {
      const call = await standIn.waitForCall((c) => c.method === 'POST' && c.path.endsWith(`/messages/${String(m.id)}/threads`), 60_000);
      return call.at - sentAt.get(String(m.id))!;
    }),
  );
  const placeholderLatency = await Promise.all(
    mentions.map(async (m) => {
      const call = await standIn.waitForCall((c) => c.method === 'POST' && c.path === `/channels/${String(m.id)}/messages` && c.body?.content === PLACEHOLDER_TEXT, 60_000);
      return call.at - sentAt.get(String(m.id))!;
    }),
  );

  // Burst 2: slash commands.
  const asks: { id: string; at: number }[] = [];
  for (const user of users) {
    const at = performance.now();
    asks.push({ ...standIn.sendAsk({ question: 'burst slash question?', user }), at });
  }
  const deferLatency = await Promise.all(
    asks.map(async (a) => {
      const call = await standIn.waitForCall((c) => c.method === 'POST' && c.path.startsWith(`/interactions/${a.id}/`), 60_000);
      return call.at - a.at;
    }),
  );

  // Let every handler finish (thread on the reply, enqueue) before shutting down.
  const eventIds = [...mentions.map((m) => String(m.id)), ...asks.map((a) => a.id)];
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    const flags = await Promise.all(eventIds.map((id) => connection.exists(keys.enqueued(config.redis.prefix, 'discord', id))));
    if (flags.every((f) => f === 1)) break;
    await new Promise((r) => setTimeout(r, 100));
  }

  const result = {
    bench: 'ack-discord',
    questions: count,
    mentionThreadMs: summary(threadLatency),
    mentionPlaceholderMs: summary(placeholderLatency),
    slashDeferMs: summary(deferLatency),
    deadlineMs: 3000,
    withinDeadline: Math.max(...placeholderLatency, ...deferLatency) < 3000,
    rssMb: Math.round(process.memoryUsage().rss / 1024 / 1024),
  };
  console.log(`mentions → thread:      p50 ${result.mentionThreadMs.p50} ms, p95 ${result.mentionThreadMs.p95} ms (2 REST calls per mention; the client keeps Discord's global 50 requests/s)`);
  console.log(`mentions → placeholder: p50 ${result.mentionPlaceholderMs.p50} ms, p95 ${result.mentionPlaceholderMs.p95} ms, max ${result.mentionPlaceholderMs.max} ms`);
  console.log(`/ask → deferral:        p50 ${result.slashDeferMs.p50} ms, p95 ${result.slashDeferMs.p95} ms, max ${result.slashDeferMs.max} ms`);
  console.log(JSON.stringify(result));
} finally {
  await adapter.stop();
  await gateway.close();
  await cleanPrefix(config.redis.url, config.redis.prefix);
  await closeRedisConnection(connection);
  await standIn.stop();
}
