/**
 * The answer pipeline with the real `ollama` client against the local Ollama stand-in:
 * streaming, images on the wire, start-up check and pull, every failure → retrieval-only
 * fallback, and cancellation.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import type { UserFacingError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { createAnswerer } from '../../../src/rag/answer/index.js';
import { createOllamaPool } from '../../../src/rag/llm/ollama-pool.js';
import { checkOllama, type PullProgress } from '../../../src/rag/llm/ollama-startup.js';
import { createAnswerPipeline } from '../../../src/rag/answer/pipeline.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import { captureLogger } from '../../helpers/log-capture.js';
import { freePort } from '../../helpers/redis.js';
import { startOllamaStandIn, type OllamaStandIn } from '../../platforms/ollama-standin.js';
import { FigureFiles, MemoryRetriever, b64, chunk } from '../../unit/answer/fixtures.js';

const logger = createLogger({ level: 'silent' });
const files = new FigureFiles();
let standIn: OllamaStandIn;

function configFor(host: string, extra: Record<string, string> = {}) {
  return loadConfig({ OLLAMA_HOST: host, OLLAMA_TIMEOUT_MS: '10000', OLLAMA_IDLE_TIMEOUT_MS: '500', ...extra });
}

function setup(extra: Record<string, string> = {}, host = standIn.url) {
  const config = configFor(host, extra);
  const retriever = new MemoryRetriever(
    [chunk(1, 'Revenue grew 12% in 2024, driven by the vision product.'), chunk(2, 'Headcount stayed flat at 40 people.')],
    [files.figure(1, 'Bar chart of revenue by quarter', 0.6), files.figure(2, 'Org chart of the team', 0.4), files.figure(3, 'Map of offices', 0.3)],
  );
  const pool = createOllamaPool(config, logger);
  const answerer = createAnswerPipeline({ retriever, llm: pool, config, logger });
  return { config, retriever, pool, answerer };
}

beforeAll(async () => {
  standIn = await startOllamaStandIn();
});
afterEach(() => {
  standIn.setChat(undefined);
  standIn.requests.length = 0;
});
afterAll(async () => {
  await standIn.close();
  files.cleanup();
});

describe('answers through the real ollama client', () => {
  it('assembles the streamed answer, streams the same text to onToken, and keeps cited sources and figures', async () => {
    standIn.setChat(() => ({ kind: 'reply', tokens: ['Revenue ', 'grew 12% ', '[1]', ', see the chart ', '[F2]', '.'] }));
    const { answerer } = setup();
    const streamed: string[] = [];
    const answer = await answerer.answer('How did revenue develop?', { onToken: (t) => streamed.push(t) });
    expect(answer.mode).toBe('llm');
    expect(answer.text).toBe('Revenue grew 12% [1], see the chart [F2].');
    expect(streamed.join('')).toBe(answer.text);
    expect(streamed.length).toBeGreaterThan(1);
    expect(answer.sources.map((s) => s.n)).toEqual([1]);
    expect(answer.sources[0]!.source).toBe('data/articles/doc-1.md');
    expect(answer.figures.map((f) => f.n)).toEqual([2]);
    expect(answer.figures[0]!.imagePath).toMatch(/figure-2\.png$/);
    expect(Object.keys(answer.timings)).toEqual(expect.arrayContaining(['retrieve', 'prompt', 'generate', 'total']));
    const [request] = standIn.chatRequests();
    expect(request!.model).toBe('llama3.2-vision');
    expect(request!.stream).toBe(true);
    expect(request!.options).toMatchObject({ num_ctx: expect.any(Number) });
  });

  it("sends the user's image first, then the figures' bytes as base64 in [F] order", async () => {
    standIn.setChat(() => ({ kind: 'reply', tokens: ['See [F3] and [F1].'] }));
    const { answerer } = setup({ OLLAMA_MAX_IMAGES: '4' });
    const userImage = Uint8Array.from([1, 2, 3, 4, 5]);
    const answer = await answerer.answer('Which chart matches my picture?', { images: [userImage] });
    const request = standIn.chatRequests()[0]!;
    const last = request.messages!.at(-1)!;
    expect(last.images).toEqual([b64(userImage), b64(files.bytes(1)), b64(files.bytes(2)), b64(files.bytes(3))]);
    expect(last.content).toContain("image 1 = the user's own image");
    expect(last.content).toContain('image 2 = figure [F1]');
    expect(last.content).toContain('image 4 = figure [F3]');
    // Attached figures follow the model's citation order.
    expect(answer.figures.map((f) => f.n)).toEqual([3, 1]);
  });

  it('sends only OLLAMA_MAX_IMAGES images (default 1: llama3.2-vision takes one), the rest by caption', async () => {
    const { answerer } = setup();
    await answerer.answer('What does the revenue chart show?');
    const last = standIn.chatRequests()[0]!.messages!.at(-1)!;
    expect(last.images).toEqual([b64(files.bytes(1))]);
    expect(last.content).toContain('<figure id="F2"');
    expect(last.content).toContain('image="none (caption only)"');
  });
});

describe('start-up check of server and model', () => {
  it('warns loudly when the model is missing, answers retrieval-only until it is pulled, and says so live (for /readyz)', async () => {
    const bare = await startOllamaStandIn({ models: ['other-model'] });
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mrag-missing-model-'));
    try {
      // A real index (level 2: no embedding model needed) so that the real answerer starts.
      const config = configFor(bare.url, { OLLAMA_MODEL: 'llava:13b', DATA_DIR: dataDir, RETRIEVAL_LEVEL: '2', OCR_ENABLED: 'false' });
      await ingest(['data/articles/how-mrag-bot-works.md'], { config, logger });
      const captured = captureLogger('warn');
      const answerer = await createAnswerer({ config, logger: captured.logger });
      expect(answerer.ollama).toMatchObject({ ready: [], missingModel: [bare.url], unreachable: [] });
      const warnings = captured.messages().filter((m) => m.includes('does not have the model "llava:13b"'));
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('(it has: other-model');
      expect(warnings[0]).toContain('answers are retrieval-only until it does');
      expect(warnings[0]).toContain('`ollama pull llava:13b`');
      expect(warnings[0]).toContain('OLLAMA_AUTO_PULL=true');
      expect(bare.requests.some((r) => r.path === '/api/pull')).toBe(false);

      const before = await answerer.answer('How quickly does the bot have to acknowledge a question?');
      expect(before.mode).toBe('retrieval-only');
      expect(before.sources.length).toBeGreaterThan(0);
      const missing = await answerer.llmStatus!();
      expect(missing.ok).toBe(false);
      expect(missing.detail).toContain('answers are retrieval-only');
      expect(missing.detail).toContain('`ollama pull llava:13b`');

      // `ollama pull` on the server: the same process answers with the model, and says so.
      bare.models.add('llava:13b');
      await expect.poll(async () => (await answerer.llmStatus!()).ok, { timeout: 5000, interval: 200 }).toBe(true);
      bare.setChat(() => ({ kind: 'reply', tokens: ['Within three seconds [1].'] }));
      const after = await answerer.answer('How quickly does the bot have to acknowledge a question?');
      expect(after).toMatchObject({ mode: 'llm', text: expect.stringContaining('Within three seconds') });
      await answerer.close();
    } finally {
      await bare.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('pulls the missing model with progress when OLLAMA_AUTO_PULL=true', async () => {
    const bare = await startOllamaStandIn({ models: [], pull: { steps: 3 } });
    try {
      const progress: PullProgress[] = [];
      const report = await checkOllama({ hosts: [bare.url], model: 'llama3.2-vision', autoPull: true, logger, onPullProgress: (p) => progress.push(p) });
      expect(report.pulled).toEqual([bare.url]);
      expect(report.ready).toEqual([bare.url]);
      expect(progress.map((p) => p.status)).toContain('success');
      expect(progress.filter((p) => p.total).map((p) => p.completed)).toEqual([333, 667, 1000]);
      expect(bare.requests.find((r) => r.path === '/api/pull')?.body).toMatchObject({ name: 'llama3.2-vision', stream: true });
      expect(bare.models.has('llama3.2-vision:latest')).toBe(true);
    } finally {
      await bare.close();
    }
  });

  it('reports a failed pull clearly', async () => {
    const bare = await startOllamaStandIn({ models: [], pull: { failWith: { status: 500, error: 'pull model manifest: no network' } } });
    try {
      const err = await checkOllama({ hosts: [bare.url], model: 'llama3.2-vision', autoPull: true, logger }).catch((e: unknown) => e);
      expect((err as UserFacingError).code).toBe('ollama_pull_failed');
      expect((err as Error).message).toContain('ollama pull llama3.2-vision');
    } finally {
      await bare.close();
    }
  });

  it('treats an unreachable server as a warning (answers fall back until it is up)', async () => {
    const port = await freePort();
    const report = await checkOllama({ hosts: [`http://127.0.0.1:${port}`, standIn.url], model: 'llama3.2-vision', autoPull: false, logger });
    expect(report.unreachable).toEqual([`http://127.0.0.1:${port}`]);
    expect(report.ready).toEqual([standIn.url]);
  });
});

describe('fallback to a retrieval-only answer', () => {
  it('on HTTP 500', async () => {
    standIn.setChat(() => ({ kind: 'error', status: 500, error: 'llama runner process has terminated' }));
    const { answerer } = setup();
    const answer = await answerer.answer('How did revenue develop?');
    expect(answer.mode).toBe('retrieval-only');
    expect(answer.text).toMatch(/^_Retrieval-only answer: the language model server returned an error/);
    expect(answer.text).toContain('Revenue grew 12%');
    expect(answer.sources.map((s) => s.source)).toEqual(['data/articles/doc-1.md', 'data/articles/doc-2.md']);
    expect(answer.figures.map((f) => f.n)).toEqual([1, 2]);
  });

  it('on a 404 at answer time (model removed after start-up)', async () => {
    const { answerer } = setup({ OLLAMA_MODEL: 'gone-model' });
    const answer = await answerer.answer('How did revenue develop?');
    expect(answer.mode).toBe('retrieval-only');
    expect(answer.text).toContain('not installed');
  });

  it('on connection refused', async () => {
    const port = await freePort();
    const { answerer } = setup({}, `http://127.0.0.1:${port}`);
    const answer = await answerer.answer('How did revenue develop?');
    expect(answer.mode).toBe('retrieval-only');
    expect(answer.text).toContain('unreachable');
    expect(answer.sources.length).toBeGreaterThan(0);
  });

  it('retries on the other host when one of several is refused', async () => {
    const port = await freePort();
    const { answerer } = setup({}, `http://127.0.0.1:${port},${standIn.url}`);
    const answers = [await answerer.answer('first?'), await answerer.answer('second?')];
    expect(answers.map((a) => a.mode)).toEqual(['llm', 'llm']);
    expect(standIn.chatRequests()).toHaveLength(2);
  });

  it('on a stream that stalls: idle timeout, connection closed, streamed part replaced', async () => {
    standIn.setChat(() => ({ kind: 'stall', tokens: ['Revenue ', 'grew'] }));
    const { answerer } = setup();
    const streamed: string[] = [];
    const abortsBefore = standIn.clientAborts;
    const answer = await answerer.answer('How did revenue develop?', { onToken: (t) => streamed.push(t) });
    expect(streamed.join('')).toBe('Revenue grew');
    expect(answer.mode).toBe('retrieval-only');
    expect(answer.text).toContain('stopped responding');
    await standIn.waitForClientAborts(abortsBefore + 1);
    expect(standIn.requests.find((r) => r.path === '/api/chat')?.clientAborted).toBe(true);
  });

  it('on the overall timeout when the server never answers', async () => {
    standIn.setChat(() => ({ kind: 'hang' }));
    const { answerer } = setup({ OLLAMA_TIMEOUT_MS: '1000' });
    const abortsBefore = standIn.clientAborts;
    const answer = await answerer.answer('How did revenue develop?');
    expect(answer.mode).toBe('retrieval-only');
    expect(answer.text).toContain('took too long');
    await standIn.waitForClientAborts(abortsBefore + 1);
  });

  it('on an error line mid-stream and on a stream cut before `done`', async () => {
    const { answerer } = setup();
    standIn.setChat(() => ({ kind: 'midstream-error', tokens: ['Rev'], error: 'out of memory' }));
    expect((await answerer.answer('q1?')).mode).toBe('retrieval-only');
    standIn.setChat(() => ({ kind: 'truncated', tokens: ['Rev'] }));
    const cut = await answerer.answer('q2?');
    expect(cut.mode).toBe('retrieval-only');
    expect(cut.text).toContain('cut off');
  });
});

describe('cancellation', () => {
  it('abort stops the request: the answer rejects and the server sees the client hang up', async () => {
    standIn.setChat(() => ({ kind: 'stall', tokens: ['Revenue '] }));
    const { answerer } = setup({ OLLAMA_IDLE_TIMEOUT_MS: '60000' });
    const abortsBefore = standIn.clientAborts;
    const controller = new AbortController();
    const pending = answerer.answer('How did revenue develop?', {
      signal: controller.signal,
      onToken: () => controller.abort(),
    });
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await standIn.waitForClientAborts(abortsBefore + 1);
    expect(standIn.requests.find((r) => r.path === '/api/chat')?.clientAborted).toBe(true);
  });
});

describe('per-instance concurrency and shutdown', () => {
  it('never sends one host more requests than OLLAMA_CONCURRENCY; the others wait their turn', async () => {
    const fresh = await startOllamaStandIn({ chat: () => ({ kind: 'reply', tokens: ['Fine ', '[1].'], delayMs: 20 }) });
    try {
      const { answerer } = setup({ OLLAMA_CONCURRENCY: '1' }, fresh.url);
      const answers = await Promise.all(['a?', 'b?', 'c?'].map((q) => answerer.answer(q)));
      expect(answers.map((a) => a.mode)).toEqual(['llm', 'llm', 'llm']);
      expect(fresh.chatRequests()).toHaveLength(3);
      expect(fresh.maxConcurrentChats).toBe(1);
    } finally {
      await fresh.close();
    }
  });

  it('close() stops requests in flight (they fall back) and later ones fall back at once', async () => {
    standIn.setChat(() => ({ kind: 'stall', tokens: ['Revenue '] }));
    const { answerer, pool } = setup({ OLLAMA_IDLE_TIMEOUT_MS: '60000' });
    const abortsBefore = standIn.clientAborts;
    const pending = answerer.answer('How did revenue develop?', { onToken: () => pool.close() });
    expect((await pending).mode).toBe('retrieval-only');
    await standIn.waitForClientAborts(abortsBefore + 1);
    expect((await answerer.answer('And now?')).mode).toBe('retrieval-only');
    expect(standIn.chatRequests()).toHaveLength(1);
  });
});

describe('cancellation of a non-streaming call', () => {
  it('abort stops the condense request too (the client cannot abort it by itself)', async () => {
    standIn.setChat(() => ({ kind: 'hang' }));
    const { answerer } = setup();
    const abortsBefore = standIn.clientAborts;
    const controller = new AbortController();
    const pending = answerer.answer('And then?', { signal: controller.signal, history: [{ question: 'Revenue?', answer: 'Up [1].' }] });
    while (standIn.chatRequests().length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    await standIn.waitForClientAborts(abortsBefore + 1);
    expect(standIn.chatRequests()[0]!.stream).toBe(false);
  });
});

describe('follow-up questions', () => {
  const history = [{ question: 'What is the vision product?', answer: 'A camera that reads documents [1].' }];

  it('condenses the follow-up with a small non-streaming call and retrieves with the standalone query', async () => {
    standIn.setChat((req, n) => (n === 0 ? { kind: 'reply', tokens: ['Query: vision product price\nextra'] } : { kind: 'reply', tokens: ['It costs $5 [1].'] }));
    const { answerer, retriever } = setup();
    const answer = await answerer.answer('How much does it cost?', { history });
    expect(answer.mode).toBe('llm');
    const [condense, main] = standIn.chatRequests();
    expect(condense!.stream).toBe(false);
    expect(condense!.messages!.at(-1)!.content).toContain('What is the vision product?');
    expect(retriever.queries[0]!.query.text).toBe('vision product price');
    // The answer prompt carries the bounded history as earlier turns.
    expect(main!.messages!.map((m) => m.role)).toEqual(['system', 'user', 'assistant', 'user']);
    expect(main!.messages![1]!.content).toBe('What is the vision product?');
  });

  it('joins the last question when the LLM is down, and does not wait for it a second time', async () => {
    standIn.setChat(() => ({ kind: 'error', status: 503, error: 'server busy' }));
    const { answerer, retriever } = setup();
    const answer = await answerer.answer('How much does it cost?', { history });
    expect(retriever.queries[0]!.query.text).toBe('What is the vision product? How much does it cost?');
    expect(answer.mode).toBe('retrieval-only');
    expect(standIn.chatRequests()).toHaveLength(1);
  });
});
