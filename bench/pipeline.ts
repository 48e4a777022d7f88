/**
 * The question's path with a real-size model: `npm run bench -- pipeline [questions] [--model DIR]`
 *
 * The whole product as `mrag start` wires it (startApp): discord.js on the Discord stand-in,
 * the Redis gateway + BullMQ worker, the knowledge base built from the shipped data/articles
 * with a CLIP ViT-B/16-shaped random-weight model (built in a temporary directory, or
 * `--model DIR`), the real `ollama` client against a stand-in that answers at once (so the
 * LLM's own generation is ~0), and the Discord REST reply with the figure upload. Questions
 * are asked one at a time (an idle worker). Measured per question, from the MESSAGE_CREATE
 * dispatch: placeholder posted; first streamed token posted (the first edit of the
 * placeholder); answer with its figure posted (target: p50 < 150 ms on 2 cores); and where
 * the time goes, from the worker's `answered` log line: query embedding, search (vector lists
 * and BM25 overlap), prompt, the stand-in's generation, and everything outside the answerer
 * (admit, placeholder, queue, history, posting). The last stdout line is one JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { CLIP_VIT_B16, generateClipFixture } from '../scripts/generate-clip-fixture.js';
import { startApp } from '../src/app/app.js';
import { loadConfig } from '../src/config/env.js';
import { createLogger } from '../src/log.js';
import { ingest } from '../src/rag/ingest/ingest.js';
import { cleanPrefix, TEST_REDIS_URL, uniquePrefix } from '../test/helpers/redis.js';
import { startDiscordStandIn } from '../test/platforms/discord-standin.js';
import { startOllamaStandIn } from '../test/platforms/ollama-standin.js';
import { printMachine, rssMb, stats, versus } from './_lib.js';

const args = process.argv.slice(2);
const flag = (name: string) => {
  const i = args.indexOf(name);
  return i >= 0 ? args.splice(i, 2)[1] : undefined;
};
const modelArg = flag('--model');
const questions = Number(args[0] ?? 40);
const WARM_UP = 3;
const TARGET_MS = 150;
const machineInfo = printMachine();
const work = mkdtempSync(path.join(os.tmpdir(), 'mrag-bench-pipeline-'));
const model = modelArg ? path.resolve(modelArg) : path.join(work, 'clip-vit-b16-random');
if (!modelArg) generateClipFixture(model, CLIP_VIT_B16);

/** The worker's `answered` lines (answer timings), read from the app's own log stream. */
const answered: Array<Record<string, number>> = [];
const logLines = new Writable({
  write(chunk: Buffer, _enc, done) {
    for (const line of chunk.toString().split('\n')) {
      if (!line.includes('"answered"')) continue;
      const entry = JSON.parse(line) as { msg?: string; timings?: Record<string, number> };
      if (entry.msg === 'answered' && entry.timings) answered.push(entry.timings);
    }
    done();
  },
});
const logger = createLogger({ level: 'info', destination: logLines, pretty: false });
const discord = await startDiscordStandIn();
const ollama = await startOllamaStandIn({ chat: () => ({ kind: 'reply', tokens: ['The worker posts ', 'the answer [1] ', '(see [F1]).'] }) });
const config = loadConfig({
  REDIS_URL: process.env.REDIS_URL ?? TEST_REDIS_URL,
  REDIS_PREFIX: uniquePrefix('bench-pipeline'),
  HTTP_PORT: '0',
  DATA_DIR: path.join(work, 'data'),
  EMBEDDING_MODEL: model,
  OLLAMA_HOST: ollama.url,
  DISCORD_TOKEN: discord.token,
  DISCORD_API_URL: discord.apiUrl,
  RATE_LIMIT_USER_PER_MINUTE: '10000',
  RATE_LIMIT_CHANNEL_PER_MINUTE: '10000',
});
await ingest([path.resolve('data/articles')], { config, logger: createLogger({ level: 'silent' }) });
const app = await startApp({ config, logger, worker: true, bots: true, local: false });

const placeholderMs: number[] = [];
const firstTokenMs: number[] = [];
const finalMs: number[] = [];
const outsideMs: number[] = [];
const parts: Record<string, number[]> = {};
for (let i = 0; i < questions + WARM_UP; i++) {
  const message = discord.userMessage({ content: `How does the worker post answer number ${i} back to Discord?`, mentionBot: true });
  const threadId = String(message.id);
  const started = performance.now();
  const seen = answered.length;
  discord.sendMessage(message);
  const placeholder = await discord.waitForCall((c) => c.method === 'POST' && c.path === `/channels/${threadId}/messages`);
  const final = await discord.waitForCall((c) => c.method === 'PATCH' && c.path.startsWith(`/channels/${threadId}/messages/`) && c.files.length > 0);
  const firstEdit = discord.calls.find((c) => c.method === 'PATCH' && c.path.startsWith(`/channels/${threadId}/messages/`));
  if (i < WARM_UP) continue;
  placeholderMs.push(placeholder.at - started);
  firstTokenMs.push((firstEdit ?? final).at - started);
  finalMs.push(final.at - started);
  const timings = answered[seen];
  if (timings) {
    outsideMs.push(final.at - started - timings.total!);
    for (const [k, v] of Object.entries(timings)) (parts[k] ??= []).push(v);
  }
}

const rss = rssMb();
await app.stop();
await cleanPrefix(config.redis.url, config.redis.prefix);
await ollama.close();
await discord.stop();
rmSync(work, { recursive: true, force: true });

const breakdown = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, stats(v).p50]));
const result = {
  bench: 'pipeline',
  machine: machineInfo,
  model: modelArg ?? 'CLIP ViT-B/16 shapes, random weights',
  questions,
  placeholderMs: stats(placeholderMs),
  firstTokenPostedMs: stats(firstTokenMs),
  answerPostedMs: stats(finalMs),
  targetP50Ms: TARGET_MS,
  breakdownP50Ms: { ...breakdown, outsideAnswerer: stats(outsideMs).p50 },
  processRssMb: rss,
};
console.log(`placeholder posted: p50 ${result.placeholderMs.p50} ms, p99 ${result.placeholderMs.p99} ms`);
console.log(`question → first streamed token posted: p50 ${result.firstTokenPostedMs.p50} ms, p99 ${result.firstTokenPostedMs.p99} ms`);
console.log(`${versus('question → answer with figure posted: p50', result.answerPostedMs.p50, ' ms', { below: TARGET_MS })}, p99 ${result.answerPostedMs.p99} ms (the stand-in LLM answers at once)`);
console.log(
  `where the time goes (p50 ms): query embedding ${breakdown['retrieve.embed']}, search ${breakdown.retrieve! - (breakdown['retrieve.embed'] ?? 0)} ` +
    `(vector lists ${breakdown['retrieve.vector']}, BM25 ${breakdown['retrieve.fulltext']}, overlapping), condense ${breakdown.condense}, prompt ${breakdown.prompt}, ` +
    `stand-in generation ${breakdown.generate}, outside the answerer (admit, placeholder, queue, history, posting) ${result.breakdownP50Ms.outsideAnswerer}`,
);
console.log(JSON.stringify(result));
