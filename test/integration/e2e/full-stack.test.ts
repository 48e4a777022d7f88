/**
 * The whole product in one process, with nothing of ours replaced: the composition root
 * (`startApp`, what `mrag start` runs) wires the real Discord adapter (discord.js on the
 * Discord stand-in), the real Redis gateway and BullMQ worker, the real answer pipeline
 * (knowledge base built by the real ingest of the shipped data/ articles on the tiny CLIP
 * fixture, the real `ollama` client against the Ollama stand-in) and the Discord REST reply.
 *
 * A user @mentions the bot; the answer must come from the model, with the figure the model
 * cited attached as a file and the figure's pixels sent to the model.
 */
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../../src/app/app.js';
import { loadConfig, type Config } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import { cleanPrefix, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../platforms/discord-standin.js';
import { startOllamaStandIn, type OllamaStandIn } from '../../platforms/ollama-standin.js';

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const ARTICLES = path.resolve('data/articles');

let work: string;
let discord: DiscordStandIn;
let ollama: OllamaStandIn;
let config: Config;
let app: RunningApp;

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'mrag-e2e-'));
  discord = await startDiscordStandIn();
  // The model answers from source 1 and cites figure 1, as a real model is told to.
  ollama = await startOllamaStandIn({
    chat: () => ({ kind: 'reply', tokens: ['The worker ', 'posts the answer ', 'back over REST [1], ', 'as the diagram shows [F1].'] }),
  });
  config = loadConfig({
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: uniquePrefix('e2e'),
    HTTP_PORT: '0',
    DATA_DIR: path.join(work, 'data'),
    EMBEDDING_MODEL: FIXTURE,
    OLLAMA_HOST: ollama.url,
    OLLAMA_TIMEOUT_MS: '15000',
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    REPLY_EDIT_INTERVAL_MS: '100',
  });
  const summary = await ingest([ARTICLES], { config, logger });
  expect(summary.failures).toEqual([]);
  expect(summary.figures.added).toBe(readdirSync(path.join(ARTICLES, 'figures')).length);
  app = await startApp({ config, logger, worker: true, bots: true, local: false });
});

afterAll(async () => {
  await app?.stop();
  if (config) await cleanPrefix(config.redis.url, config.redis.prefix);
  await ollama?.close();
  await discord?.stop();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('mrag end to end (Discord mention → answer with figures)', () => {
  it('answers in the thread with the model\'s text, the cited figure attached and its pixels sent to the model', async () => {
    const message = discord.userMessage({ content: 'How does the worker post the answer back to the chat platform?', mentionBot: true });
    discord.sendMessage(message);
    const threadId = String(message.id);

    const final = await discord.waitForCall(
      (c) => c.method === 'PATCH' && c.path.startsWith(`/channels/${threadId}/messages/`) && c.files.length > 0,
      30_000,
    );
    const content = String(final.body?.content);
    expect(content).toContain('The worker posts the answer back over REST');
    expect(content).toContain('**Sources**');
    expect(final.body?.allowed_mentions).toEqual({ parse: [] });

    // Exactly the cited figure, uploaded from the knowledge base's copy of a shipped PNG.
    expect(final.files).toHaveLength(1);
    expect(final.files[0]!.contentType).toBe('image/png');

    // The model saw the question, numbered sources and figures, and the figure's pixels.
    const chat = ollama.chatRequests().at(-1)!;
    const prompt = chat.messages!.map((m) => m.content).join('\n');
    expect(prompt).toContain('How does the worker post the answer back to the chat platform?');
    expect(prompt).toMatch(/<source id="1"/);
    expect(prompt).toMatch(/<figure id="F1"/);
    const sentImages = chat.messages!.flatMap((m) => (m.images ?? []) as string[]);
    expect(sentImages).toHaveLength(1);
    // The pixels the model saw are the figure attached to the answer, one of the shipped diagrams.
    const uploaded = final.files[0]!.bytes;
    const figuresDir = path.join(ARTICLES, 'figures');
    // Ingest stores figures normalised (the shipped palette PNGs become 8-bit RGB): compare pixels.
    const pixels = (bytes: Buffer) => sharp(bytes).removeAlpha().raw().toBuffer().then((b) => b.toString('base64'));
    const shipped = await Promise.all(readdirSync(figuresDir).map((f) => pixels(readFileSync(path.join(figuresDir, f)))));
    expect(sentImages[0]).toBe(uploaded.toString('base64'));
    expect(shipped).toContain(await pixels(uploaded));
  });
});
