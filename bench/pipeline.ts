/**
 * Pipeline overhead excluding LLM thinking time (GUIDE §4 bar: p50 < 50 ms at idle).
 *
 * The whole product as `mrag start` wires it (startApp): discord.js on the Discord stand-in,
 * the Redis gateway + BullMQ worker, the knowledge base built from the shipped data/
 * articles on the tiny CLIP fixture (CLIP inference ≈ 0), the real `ollama` client against
 * a stand-in that answers at once, and the Discord REST reply with the figure upload.
 * Questions are asked one at a time (an idle system). Measured per question, from the
 * MESSAGE_CREATE dispatch: the placeholder posted, and the final answer (with files) posted.
 *
 * `npm run bench -- pipeline [questions]`
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startApp } from '../src/app/app.js';
import { loadConfig } from '../src/config/env.js';
import { createLogger } from '../src/log.js';
import { ingest } from '../src/rag/ingest/ingest.js';
import { cleanPrefix, TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { startDiscordStandIn } from '../test/platforms/discord-standin.js';
import { startOllamaStandIn } from '../test/platforms/ollama-standin.js';

const questions = Number(process.argv[2] ?? 40);
const WARM_UP = 3;
const logger = createLogger({ level: 'silent' });
const work = mkdtempSync(path.join(os.tmpdir(), 'mrag-bench-pipeline-'));
const discord = await startDiscordStandIn();
const ollama = await startOllamaStandIn({ chat: () => ({ kind: 'reply', tokens: ['The worker posts ', 'the answer [1] ', '(see [F1]).'] }) });
const config = loadConfig({
  REDIS_URL: process.env.REDIS_URL ?? TEST_REDIS_URL,
  REDIS_PREFIX: uniquePrefix('bench-pipeline'),
  HTTP_PORT: '0',
  DATA_DIR: path.join(work, 'data'),
  EMBEDDING_MODEL: path.resolve('test/fixtures/clip-tiny'),
  OLLAMA_HOST: ollama.url,
  DISCORD_TOKEN: discord.token,
  DISCORD_API_URL: discord.apiUrl,
  RATE_LIMIT_USER_PER_MINUTE: '10000',
  RATE_LIMIT_CHANNEL_PER_MINUTE: '10000',
});
await ingest([path.resolve('data/articles')], { config, logger });
const app = await startApp({ config, logger, worker: true, bots: true, local: false });

const placeholderMs: number[] = [];
const finalMs: number[] = [];
/** From the placeholder to the final answer: queue wait + search + prompt + (instant) LLM + posting. */
const overheadMs: number[] = [];
for (let i = 0; i < questions + WARM_UP; i++) {
  const message = discord.userMessage({ content: `How does the worker post answer number ${i} back to Discord?`, mentionBot: true });
  const threadId = String(message.id);
  const started = performance.now();
  discord.sendMessage(message);
  const placeholder = await discord.waitForCall((c) => c.method === 'POST' && c.path === `/channels/${threadId}/messages`);
  const final = await discord.waitForCall((c) => c.method === 'PATCH' && c.path.startsWith(`/channels/${threadId}/messages/`) && c.files.length > 0);
  if (i < WARM_UP) continue;
  placeholderMs.push(placeholder.at - started);
  finalMs.push(final.at - started);
  overheadMs.push(final.at - placeholder.at);
}

const rssMb = Math.round(process.memoryUsage().rss / 1024 / 1024);
await app.stop();
await cleanPrefix(config.redis.url, config.redis.prefix);
await ollama.close();
await discord.stop();
rmSync(work, { recursive: true, force: true });

const stats = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const at = (p: number) => +s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!.toFixed(1);
  return { n: s.length, p50: at(50), p99: at(99), max: +s.at(-1)!.toFixed(1) };
};
const result = { bench: 'pipeline', questions, placeholderMs: stats(placeholderMs), answerPostedMs: stats(finalMs), pipelineOverheadMs: stats(overheadMs), barP50Ms: 50, processRssMb: rssMb };
console.log(`placeholder posted: p50 ${result.placeholderMs.p50} ms; answer with figure posted: p50 ${result.answerPostedMs.p50} ms, p99 ${result.answerPostedMs.p99} ms`);
console.log(`pipeline overhead (placeholder → answer posted): p50 ${result.pipelineOverheadMs.p50} ms, p99 ${result.pipelineOverheadMs.p99} ms (bar: p50 < 50 ms)`);
console.log(JSON.stringify(result));
