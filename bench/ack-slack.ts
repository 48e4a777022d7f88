/**
 * Slack bot-side acknowledgement under a burst: 50 mentions and 50 `/ask` commands sent at
 * once over Socket Mode to the real Bolt adapter (real gateway on the real Redis, unique
 * prefix), against the local Slack stand-in. Measures send → envelope ack (Slack's 3 s
 * deadline) and send → placeholder posted. No worker runs: this is the bot's share only.
 * `npm run bench -- ack-slack [questions]`
 */
import os from 'node:os';
import { startSlackAdapter } from '../src/bots/slack/adapter.js';
import { loadConfig } from '../src/config/env.js';
import { createLogger } from '../src/log.js';
import { createAskGateway } from '../src/queue/ask-gateway.js';
import { closeRedisConnection, createRedisConnection } from '../src/queue/redis.js';
import { cleanPrefix, TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { eventCallback, mentionEvent, slashCommand } from '../test/platforms/slack-standin-payloads.js';
import { SlackStandIn } from '../test/platforms/slack-standin.js';

const questions = Number(process.argv[2] ?? 50);
// Assembled at run time so that no token-shaped literal is committed.
const BOT_TOKEN = ['xoxb', 'bench', '0000', 'bot', 'token'].join('-');
const APP_TOKEN = 'xapp-bench-0000-app-token';
const logger = createLogger({ level: 'silent' });
const standIn = await SlackStandIn.start({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
const prefix = uniquePrefix('benchslack');
const config = loadConfig({
  REDIS_URL: TEST_REDIS_URL,
  REDIS_PREFIX: prefix,
  SLACK_BOT_TOKEN: BOT_TOKEN,
  SLACK_APP_TOKEN: APP_TOKEN,
  SLACK_API_URL: standIn.apiUrl,
  RATE_LIMIT_USER_PER_MINUTE: '10000',
  RATE_LIMIT_CHANNEL_PER_MINUTE: '10000',
  QUEUE_MAX_WAITING: '100000',
});
const connection = createRedisConnection(config.redis.url, { logger });
const gateway = createAskGateway({ config, connection, logger });
const adapter = await startSlackAdapter({ config, gateway, logger }, { retryConfig: { retries: 2, minTimeout: 20, maxTimeout: 50 } });

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return +sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!.toFixed(1);
};
const percentileOf = percentile;
const summary = (values: number[]) => ({ p50Ms: percentile(values, 50), p99Ms: percentile(values, 99), maxMs: +Math.max(...values).toFixed(1) });

/** Send `n` envelopes at once; per envelope the ack time and the time until its placeholder was posted. */
let bursts = 0;
async function burst(kind: 'mention' | 'command', n: number, print = true) {
  const channel = `CBENCH${kind.toUpperCase()}${++bursts}`;
  const sent = Array.from({ length: n }, () => ({ ts: standIn.nextTs(), wallStart: 0, ackMs: 0 }));
  await Promise.all(
    sent.map(async (s, i) => {
      s.wallStart = Date.now();
      const start = performance.now();
      if (kind === 'mention') {
        const event = mentionEvent({ channel, user: `UBENCH${i % 10}`, text: `<@${standIn.botUserId}> question ${i}`, ts: s.ts });
        await standIn.sendEnvelope('events_api', eventCallback(standIn, event), { timeoutMs: 30_000 });
      } else {
        await standIn.sendEnvelope('slash_commands', slashCommand(standIn, { channel, user: `UBENCH${i % 10}`, text: `command ${s.ts}` }), { timeoutMs: 30_000 });
      }
      s.ackMs = performance.now() - start;
    }),
  );
  // One wait for all placeholders (threaded posts in the channel), then match them to their question.
  const threaded = () => standIn.calls.filter((c) => c.method === 'chat.postMessage' && c.args.channel === channel && c.args.thread_ts);
  await standIn.waitFor(() => threaded().length >= n, 60_000, `${n} placeholders`);
  const messages = standIn.messages.get(channel) ?? [];
  const placeholders = sent.map((s) => {
    // Mention: the thread is the mention's ts. Command: the thread is the root message "… asked: command <ts>".
    const threadTs = kind === 'mention' ? s.ts : messages.find((m) => !m.thread_ts && m.text.endsWith(`command ${s.ts}`))?.ts;
    const call = threaded().find((c) => c.args.thread_ts === threadTs);
    if (!call) throw new Error(`no placeholder for ${s.ts}`);
    return call.at - s.wallStart;
  });
  const acks = sent.map((s) => s.ackMs);
  const row = { kind, questions: n, ack: summary(acks), placeholder: summary(placeholders), underDeadline: acks.filter((a) => a < 3000).length };
  if (print) console.log(`${n} ${kind}s at once: ack p50 ${row.ack.p50Ms} ms, p99 ${row.ack.p99Ms} ms, max ${row.ack.maxMs} ms; placeholder p50 ${row.placeholder.p50Ms} ms, p99 ${row.placeholder.p99Ms} ms`);
  return row;
}

try {
  await burst('mention', 5); // warm-up (connections, JIT)
  const singles = [];
  for (let i = 0; i < 10; i++) singles.push((await burst('mention', 1, false)).placeholder.p50Ms);
  console.log(`one mention at a time: placeholder median ${percentileOf(singles, 50)} ms`);
  const mentions = await burst('mention', questions);
  const commands = await burst('command', questions);
  const rss = Math.round(process.memoryUsage().rss / 1_048_576);
  console.log(JSON.stringify({ bench: 'ack-slack', mode: 'socket', questions, singleMentionPlaceholderP50Ms: percentileOf(singles, 50), mentions, commands, botRssMb: rss, loadAverage1m: +os.loadavg()[0]!.toFixed(1) }));
} finally {
  await adapter.stop();
  await gateway.close();
  await standIn.close();
  await closeRedisConnection(connection);
  await cleanPrefix(TEST_REDIS_URL, prefix);
}
