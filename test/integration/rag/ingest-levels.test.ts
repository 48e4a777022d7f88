/**
 * Ingest at every retrieval level, on the shipped articles:
 * - level 2 (`auto` with the default model unreachable): one warning, rows without vectors,
 *   windows cut by the model's tokenizer files when present, by an estimate otherwise;
 * - the upgrade from 2 to 3: the next ingest with the model computes only the missing
 *   embeddings (nothing re-parsed, documents unchanged), and chunks that do not fit the
 *   model's window are embedded whole (the mean of their windows);
 * - level 1: figure descriptions written at ingest by the vision model (the Ollama stand-in,
 *   through the real `ollama` client), searchable, and a text-only model answers from them
 *   with no image sent; an unchanged document gains descriptions later without re-parsing;
 *   Ollama down → skipped with one warning.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createAnswerer } from '../../../src/rag/answer/index.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { estimateTokens } from '../../../src/rag/embed/token-counter.js';
import { dot, meanVector } from '../../../src/rag/embed/vector.js';
import { IndexStore, readIndexMeta } from '../../../src/rag/index/store.js';
import { chunkBlocks } from '../../../src/rag/ingest/chunker.js';
import { DESCRIBE_SYSTEM_PROMPT } from '../../../src/rag/ingest/describe-figures.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import { openKnowledgeBase } from '../../../src/rag/knowledge-base.js';
import { captureLogger } from '../../helpers/log-capture.js';
import { freePort } from '../../helpers/redis.js';
import { startOllamaStandIn, type OllamaStandIn } from '../../platforms/ollama-standin.js';

const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const ARTICLES = path.resolve('data/articles');
const silent = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-ingest-levels-'));
let embedder: Embedder;
let ollama: OllamaStandIn;
let closedPort: number;

/** The describe requests answer with a word only the description has; answers cite source 1. */
function scriptedOllama() {
  ollama.setChat((request) => {
    const messages = request.messages ?? [];
    if (messages[0]?.content === DESCRIBE_SYSTEM_PROMPT) {
      const caption = /<caption>(.*?)<\/caption>/.exec(messages.at(-1)!.content)?.[0] ?? '';
      return { kind: 'reply', tokens: [`A diagram. ${caption.replace(/<\/?caption>/g, '')}. Key insight: zebracorn pipelines.`] };
    }
    return { kind: 'reply', tokens: ['From the description [1] [F1].'] };
  });
}

const env = (dataDir: string, extra: Record<string, string> = {}) => ({
  DATA_DIR: dataDir,
  OCR_ENABLED: 'false',
  OLLAMA_HOST: ollama.url,
  OLLAMA_TIMEOUT_MS: '10000',
  // The default model, not in this DATA_DIR's cache, and a hub that does not answer: offline.
  HF_ENDPOINT: `http://127.0.0.1:${closedPort}`,
  ...extra,
});

beforeAll(async () => {
  embedder = await createEmbedder(FIXTURE);
  ollama = await startOllamaStandIn({ models: ['llama3.2-vision', 'llama3.2'] });
  closedPort = await freePort();
});
afterEach(() => {
  ollama.setChat(undefined);
  ollama.requests.length = 0;
});
afterAll(async () => {
  await embedder.close();
  await ollama.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('level 2 (auto without the model), then the upgrade to level 3', () => {
  const dataDir = path.join(tmp, 'offline');

  it('ingests with one warning and no vectors, windows cut by an estimate that the model later embeds whole', async () => {
    const { logger, lines } = captureLogger('warn');
    const summary = await ingest([ARTICLES], { config: loadConfig(env(dataDir)), logger });
    expect(summary.failures).toEqual([]);
    expect(summary.level).toBe(2);
    expect(summary.embeddings).toMatchObject({ computed: 0, upgraded: 0 });
    expect(summary.documents.added).toBe(4);
    const warnings = lines.map((l) => JSON.parse(l) as { msg: string }).map((l) => l.msg);
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('EMBEDDING_MODEL "Xenova/clip-vit-base-patch16" could not be loaded');
    expect(warnings[0]).toContain('retrieval level 2');

    const meta = readIndexMeta(dataDir)!;
    expect(meta.model).toBeUndefined();
    expect(meta.dim).toBeUndefined();
    const store = (await IndexStore.open(dataDir))!;
    expect(await store.hasVectorColumns('chunks')).toBe(false);
    expect(await store.hasVectorColumns('figures')).toBe(false);
    const chunks = await store.loadChunks();
    await store.close();
    // Every window fits CLIP's 77 tokens by the estimate (75 without the start and end tokens).
    for (const c of chunks) expect(estimateTokens(c.text), c.text).toBeLessThanOrEqual(75);
  });

  it('gains its vectors on the next ingest with the model: only the missing embeddings, nothing re-parsed', async () => {
    const before = (await IndexStore.open(dataDir))!;
    const [docsBefore, chunksBefore, figuresBefore] = [await before.documents(), await before.loadChunks(), await before.loadFigures()];
    await before.close();

    const summary = await ingest([ARTICLES], { config: loadConfig(env(dataDir, { EMBEDDING_MODEL: FIXTURE })), logger: silent });
    expect(summary.level).toBe(3);
    expect(summary.documents).toMatchObject({ added: 0, updated: 0, unchanged: 4 });
    expect(summary.chunks.added + summary.figures.added).toBe(0);
    expect(summary.embeddings).toMatchObject({ model: 'clip-tiny', computed: 0, upgraded: chunksBefore.length + 2 * figuresBefore.length });
    expect(readIndexMeta(dataDir)).toMatchObject({ model: 'clip-tiny', dim: 32, fingerprint: embedder.identity.fingerprint });

    const store = (await IndexStore.open(dataDir))!;
    const [docs, chunks, figures] = [await store.documents(), await store.loadChunks(), await store.loadFigures()];
    await store.close();
    expect(docs).toEqual(docsBefore); // same rows, same ingestedAt: not re-parsed
    expect(chunks.map(({ vector: _v, ...c }) => c)).toEqual(chunksBefore);
    // The fixture's tokenizer (279 merges) splits words far more than CLIP's: some estimated
    // windows overflow it, and those are embedded as the mean of windows that fit.
    const budget = embedder.maxTokens - 2;
    const overlong = chunks.filter((c) => embedder.countTokens(c.text) > budget);
    expect(summary.embeddings.overlong).toBe(overlong.length);
    expect(overlong.length).toBeGreaterThan(0);
    for (const c of chunks) {
      const windows = embedder.countTokens(c.text) > budget ? chunkBlocks([{ section: '', text: c.text }], embedder).map((d) => d.text) : [c.text];
      for (const w of windows) expect(embedder.countTokens(w)).toBeLessThanOrEqual(budget);
      const expected = meanVector(await embedder.embedTexts(windows));
      expect(dot(c.vector!, expected)).toBeCloseTo(1, 4);
    }
    for (const f of figures) {
      const [image] = await embedder.embedImages([new Uint8Array(readFileSync(f.imagePath))]);
      expect(dot(f.vector!, image!)).toBeCloseTo(1, 4);
      expect(f.captionVector).toBeDefined();
    }

    const kb = await openKnowledgeBase({ config: loadConfig(env(dataDir, { EMBEDDING_MODEL: FIXTURE })), logger: silent, embedder });
    const result = await kb.search({ text: 'Which privileged intent must be enabled for the Discord bot?' });
    await kb.close();
    expect(result.level).toBe(3);
    expect(result.chunks.some((c) => c.signals?.vector)).toBe(true);

    const again = await ingest([ARTICLES], { config: loadConfig(env(dataDir, { EMBEDDING_MODEL: FIXTURE })), logger: silent }, { embedder });
    expect(again.embeddings).toMatchObject({ computed: 0, upgraded: 0 });
  });

  it('cuts windows with the model’s tokenizer files when they are on disk, even without the model (exact fit)', async () => {
    // A model directory whose ONNX files are missing: the model cannot load, its tokenizer can.
    const partial = path.join(tmp, 'tokenizer-only');
    cpSync(FIXTURE, partial, { recursive: true, filter: (src) => !src.endsWith('.onnx') });
    const dir = path.join(tmp, 'tokenizer-files');
    const summary = await ingest([ARTICLES], { config: loadConfig(env(dir, { EMBEDDING_MODEL: partial })), logger: silent });
    expect(summary.level).toBe(2);
    const store = (await IndexStore.open(dir))!;
    const chunks = await store.loadChunks();
    await store.close();
    for (const c of chunks) expect(embedder.countTokens(c.text)).toBeLessThanOrEqual(embedder.maxTokens - 2);
    // ...so the upgrade embeds every chunk as it is.
    const upgrade = await ingest([ARTICLES], { config: loadConfig(env(dir, { EMBEDDING_MODEL: FIXTURE })), logger: silent }, { embedder });
    expect(upgrade.embeddings.overlong).toBe(0);
    expect(upgrade.embeddings.upgraded).toBeGreaterThan(chunks.length);
  });
});

describe('level 1: figure descriptions', () => {
  it('writes a description per figure at ingest; BM25 finds it; a text-only model answers from it with no image sent', async () => {
    scriptedOllama();
    const dataDir = path.join(tmp, 'level1');
    const summary = await ingest([ARTICLES], { config: loadConfig(env(dataDir, { RETRIEVAL_LEVEL: '1' })), logger: silent });
    expect(summary.level).toBe(1);
    expect(summary.descriptions).toMatchObject({ enabled: true, failed: 0, skipped: 0 });
    const store = (await IndexStore.open(dataDir))!;
    const figures = await store.listFigures();
    await store.close();
    const distinct = new Set(figures.map((f) => f.imageHash)).size;
    expect(summary.descriptions.described).toBe(distinct);
    const requests = ollama.chatRequests();
    expect(requests).toHaveLength(distinct); // one request per distinct image
    for (const r of requests) expect(r.messages!.at(-1)!.images).toHaveLength(1);
    for (const f of figures) {
      expect(f.description).toContain('zebracorn pipelines');
      expect(f.searchText).toContain(f.description);
    }

    ollama.requests.length = 0;
    // A text-only model answers at level 1 (descriptions were written by the vision model at ingest).
    const config = loadConfig(env(dataDir, { RETRIEVAL_LEVEL: '1', OLLAMA_MODEL: 'llama3.2' }));
    const kb = await openKnowledgeBase({ config, logger: silent });
    const found = await kb.search({ text: 'zebracorn' }, { figureK: 20 });
    await kb.close();
    expect(found.level).toBe(1);
    expect(found.figures.length).toBe(figures.length); // only descriptions hold the word
    const answerer = await createAnswerer({ config, logger: silent });
    const answer = await answerer.answer('Which component posts the answer back to Slack?');
    await answerer.close();
    expect(answer).toMatchObject({ mode: 'llm', level: 1 });
    const [request] = ollama.chatRequests();
    expect(request!.model).toBe('llama3.2');
    for (const m of request!.messages!) expect(m.images ?? []).toEqual([]);
    const cited = figures.find((f) => path.basename(f.imagePath) === path.basename(answer.figures[0]!.imagePath))!;
    expect(request!.messages!.at(-1)!.content).toContain(cited.description);
  });

  it('adds descriptions to the figures of unchanged documents on a later --describe-figures run, without re-parsing', async () => {
    const dataDir = path.join(tmp, 'describe-later');
    const first = await ingest([ARTICLES], { config: loadConfig(env(dataDir, { EMBEDDING_MODEL: FIXTURE })), logger: silent }, { embedder });
    expect(first.descriptions.enabled).toBe(false);
    expect(ollama.chatRequests()).toEqual([]);
    const docsBefore = (await readDocs(dataDir)).map((d) => d.ingestedAt);

    scriptedOllama();
    const later = await ingest([ARTICLES], { config: loadConfig(env(dataDir, { EMBEDDING_MODEL: FIXTURE })), logger: silent }, { embedder, describeFigures: true });
    expect(later.documents).toMatchObject({ unchanged: 4, updated: 0 });
    expect(later.descriptions.upgraded).toBe(first.figures.added);
    expect((await readDocs(dataDir)).map((d) => d.ingestedAt)).toEqual(docsBefore);
    const kb = await openKnowledgeBase({ config: loadConfig(env(dataDir, { EMBEDDING_MODEL: FIXTURE })), logger: silent, embedder });
    const result = await kb.search({ text: 'zebracorn' }, { figureK: 20 });
    await kb.close();
    expect(result.figures.length).toBe(first.figures.added);
    expect(result.figures.every((f) => f.description?.includes('zebracorn'))).toBe(true);
  });

  it('skips descriptions with one warning when Ollama is down, and adds them once it is back', async () => {
    const dataDir = path.join(tmp, 'ollama-down');
    const down = `http://127.0.0.1:${await freePort()}`;
    const { logger, lines } = captureLogger('warn');
    const summary = await ingest([ARTICLES], { config: loadConfig(env(dataDir, { RETRIEVAL_LEVEL: '1', OLLAMA_HOST: down })), logger });
    expect(summary.failures).toEqual([]);
    expect(summary.figures.added).toBeGreaterThan(0);
    expect(summary.descriptions.described).toBe(0);
    expect(summary.descriptions.warnings).toHaveLength(1);
    expect(summary.descriptions.warnings[0]).toContain('is unreachable');
    expect(lines.filter((l) => l.includes('Figure descriptions skipped'))).toHaveLength(1);

    scriptedOllama();
    const back = await ingest([ARTICLES], { config: loadConfig(env(dataDir, { RETRIEVAL_LEVEL: '1' })), logger: silent });
    expect(back.documents.unchanged).toBe(4);
    expect(back.descriptions.upgraded).toBe(summary.figures.added);
  });
});

async function readDocs(dataDir: string) {
  const store = (await IndexStore.open(dataDir))!;
  try {
    return (await store.documents()).sort((a, b) => a.docId.localeCompare(b.docId));
  } finally {
    await store.close();
  }
}
