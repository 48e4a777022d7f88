import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import { docIdOf } from '../../../src/rag/ingest/sources.js';
import { ensureKnowledgeBase, openKnowledgeBase } from '../../../src/rag/knowledge-base.js';

const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const SIGLIP = path.resolve('test/fixtures/siglip-tiny');
const logger = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-kb-'));
const configFor = (dataDir: string, model = FIXTURE) => loadConfig({ DATA_DIR: dataDir, EMBEDDING_MODEL: model });

let embedder: Embedder;
beforeAll(async () => {
  embedder = await createEmbedder(FIXTURE);
});
afterAll(async () => {
  await embedder.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('the shipped knowledge base (data/articles)', () => {
  const config = configFor(path.join(tmp, 'shipped'));

  it('is ingested by ensureKnowledgeBase when there is no index, and only then', async () => {
    const first = await ensureKnowledgeBase({ config, logger, embedder });
    expect(first?.documents.added).toBeGreaterThanOrEqual(4);
    expect(first?.figures.added).toBeGreaterThanOrEqual(4);
    expect(first?.failures).toEqual([]);
    expect(await ensureKnowledgeBase({ config, logger, embedder })).toBeUndefined();
  });

  it('gives the same index when ingested twice: nothing added, same ids', async () => {
    const kb1 = await openKnowledgeBase({ config, logger, embedder });
    const before = await kb1.search({ text: 'architecture' }, { textK: 100, figureK: 100 });
    await kb1.close();
    const again = await ingest(['data/articles'], { config, logger }, { embedder });
    expect(again.documents).toMatchObject({ added: 0, updated: 0, failed: 0 });
    expect(again.chunks.added).toBe(0);
    expect(again.figures.added).toBe(0);
    const kb2 = await openKnowledgeBase({ config, logger, embedder });
    const after = await kb2.search({ text: 'architecture' }, { textK: 100, figureK: 100 });
    expect(kb2.info.documents).toBe(again.totalDocuments);
    await kb2.close();
    expect(after.chunks.map((c) => c.id).sort()).toEqual(before.chunks.map((c) => c.id).sort());
    expect(after.figures.map((f) => f.id).sort()).toEqual(before.figures.map((f) => f.id).sort());
  });

  it('answers an architecture question with figures and text, with readable ids and sources', async () => {
    const kb = await openKnowledgeBase({ config, logger, embedder });
    const result = await kb.search({ text: 'which component posts the answer back to Slack?' });
    await kb.close();
    expect(result.chunks.length).toBeGreaterThan(0);
    expect(result.figures.length).toBeGreaterThan(0);
    const docId = docIdOf('articles/how-mrag-bot-works.md');
    const figure = result.figures.find((f) => path.basename(f.imagePath) === 'architecture-diagram.png');
    expect(figure).toBeDefined();
    expect(figure!.id).toMatch(new RegExp(`^${docId}#f\\d+$`));
    expect(figure!.source).toBe('articles/how-mrag-bot-works.md');
    expect(figure!.caption).toContain('Slack');
    expect(figure!.imagePath.startsWith(config.dataDir)).toBe(true);
    for (const c of result.chunks) expect(c.id).toMatch(/^[0-9a-f]{12}#c\d+$/);
    // BM25 puts the Slack article among the text results for a question that names Slack.
    expect(result.chunks.some((c) => c.source === 'articles/slack-setup.md')).toBe(true);
    const scores = result.chunks.map((c) => c.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('scores seed-compatibly: softmax probabilities above the thresholds, at most k', async () => {
    const kb = await openKnowledgeBase({ config, logger, embedder });
    const seed = await kb.search({ text: 'how do I set up Discord' }, { mode: 'seed' });
    const few = await kb.search({ text: 'how do I set up Discord' }, { mode: 'seed', textK: 2 });
    await kb.close();
    expect(seed.chunks.length).toBeGreaterThan(0);
    expect(seed.chunks.length).toBeLessThanOrEqual(15);
    expect(seed.figures.length).toBeLessThanOrEqual(5);
    for (const c of seed.chunks) expect(c.score).toBeGreaterThanOrEqual(0.01);
    for (const f of seed.figures) expect(f.score).toBeGreaterThanOrEqual(0.25);
    expect(seed.chunks.reduce((s, c) => s + c.score, 0)).toBeLessThanOrEqual(1 + 1e-9);
    expect(few.chunks.map((c) => c.id)).toEqual(seed.chunks.slice(0, 2).map((c) => c.id));
  });

  it('searches with an image query, alone or with text', async () => {
    const kb = await openKnowledgeBase({ config, logger, embedder });
    const { readFileSync } = await import('node:fs');
    const image = readFileSync('data/articles/figures/architecture-diagram.png');
    const byImage = await kb.search({ image });
    const both = await kb.search({ text: 'architecture', image });
    await kb.close();
    // The same pixels are the nearest figure by vector.
    expect(path.basename(byImage.figures[0]!.imagePath)).toBe('architecture-diagram.png');
    expect(both.figures.length).toBeGreaterThan(0);
    expect(both.chunks.length).toBeGreaterThan(0);
  });

  it('refuses an empty query with a user-facing error', async () => {
    const kb = await openKnowledgeBase({ config, logger, embedder });
    await expect(kb.search({ text: '   ' })).rejects.toMatchObject({ code: 'query_empty' });
    await kb.close();
  });
});

describe('opening an index', () => {
  it('says there is no index yet', async () => {
    await expect(openKnowledgeBase({ config: configFor(path.join(tmp, 'empty')), logger, embedder })).rejects.toMatchObject({ code: 'index_missing' });
  });

  it('records the model by identity, not path: a moved copy of the model opens the index at level 3', async () => {
    const dataDir = path.join(tmp, 'moved');
    await ingest(['data/articles/slack-setup.md'], { config: configFor(dataDir), logger }, { embedder });
    const meta = JSON.parse(readFileSync(path.join(dataDir, 'index', 'meta.json'), 'utf8')) as Record<string, unknown>;
    expect(meta).toMatchObject({ model: 'clip-tiny', dim: 32, fingerprint: embedder.identity.fingerprint });
    expect(JSON.stringify(meta)).not.toContain(path.sep + 'fixtures'); // no absolute path of the model
    const moved = path.join(tmp, 'elsewhere', 'my-clip');
    cpSync(FIXTURE, moved, { recursive: true });
    const original = await openKnowledgeBase({ config: configFor(dataDir), logger, embedder });
    const copy = await openKnowledgeBase({ config: configFor(dataDir, moved), logger });
    const query = { text: 'Socket Mode app token' };
    const [a, b] = [await original.search(query), await copy.search(query)];
    expect(copy.level).toBe(3);
    expect(copy.embedder!.modelId).toBe(moved);
    expect(b.chunks.map((c) => [c.id, c.score])).toEqual(a.chunks.map((c) => [c.id, c.score]));
    await original.close();
    await copy.close();
  });

  it('refuses an index built with another model (same dimension, other config), naming both, before loading it', async () => {
    const dataDir = path.join(tmp, 'mismatch');
    await ingest(['data/articles/slack-setup.md'], { config: configFor(dataDir), logger }, { embedder });
    // Only its config.json: loading it would fail, so the mismatch must be found before loading.
    const siglipConfigOnly = path.join(tmp, 'siglip-config-only');
    mkdirSync(siglipConfigOnly, { recursive: true });
    cpSync(path.join(SIGLIP, 'config.json'), path.join(siglipConfigOnly, 'config.json'));
    for (const [model, level] of [[SIGLIP, 'auto'], [SIGLIP, '3'], [siglipConfigOnly, 'auto'], [siglipConfigOnly, '3']] as const) {
      const config = loadConfig({ DATA_DIR: dataDir, EMBEDDING_MODEL: model, RETRIEVAL_LEVEL: level });
      const err = await openKnowledgeBase({ config, logger }).catch((e: unknown) => e);
      expect(err).toMatchObject({ code: 'index_model_mismatch' });
      const message = (err as Error).message;
      expect(message).toContain('clip-tiny (32-d, config ');
      expect(message).toContain(`EMBEDDING_MODEL is ${model}`);
      expect(message).toContain('re-ingest');
      expect(message).not.toContain('\n'); // the CLI prints it as one line
    }
    // At level 2 no model is used, so any index opens.
    const bm25 = await openKnowledgeBase({ config: loadConfig({ DATA_DIR: dataDir, EMBEDDING_MODEL: SIGLIP, RETRIEVAL_LEVEL: '2' }), logger });
    expect(bm25.level).toBe(2);
    await bm25.close();
  });

  it('accepts an index of an older version (model recorded as a path) and records the identity at the next write', async () => {
    const dataDir = path.join(tmp, 'legacy');
    await ingest(['data/articles/slack-setup.md'], { config: configFor(dataDir), logger }, { embedder });
    const metaFile = path.join(dataDir, 'index', 'meta.json');
    const { fingerprint: _f, ...current } = JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(metaFile, JSON.stringify({ ...current, model: FIXTURE }));
    const moved = path.join(tmp, 'legacy-model-copy');
    cpSync(FIXTURE, moved, { recursive: true });
    const kb = await openKnowledgeBase({ config: configFor(dataDir, moved), logger });
    expect(kb.level).toBe(3);
    await kb.close();
    await ingest(['data/articles/discord-setup.html'], { config: configFor(dataDir), logger }, { embedder });
    expect(JSON.parse(readFileSync(metaFile, 'utf8'))).toMatchObject({ model: 'clip-tiny', fingerprint: embedder.identity.fingerprint });
  });

  it('sees documents another writer committed after it was opened', async () => {
    const dataDir = path.join(tmp, 'refresh');
    const config = configFor(dataDir);
    await ingest(['data/articles/slack-setup.md'], { config, logger }, { embedder });
    const reader = await openKnowledgeBase({ config, logger, embedder });
    const before = await reader.search({ text: 'Discord developer portal' }, { textK: 100 });
    expect(before.chunks.every((c) => c.source === 'articles/slack-setup.md')).toBe(true);
    await ingest(['data/articles/discord-setup.html'], { config, logger }, { embedder });
    const after = await reader.search({ text: 'Discord developer portal' }, { textK: 100 });
    expect(after.chunks.some((c) => c.source === 'articles/discord-setup.html')).toBe(true);
    await reader.close();
  });
});

describe('large indexes', () => {
  it('build an ANN (IVF_HNSW_SQ) index past the row threshold and search through it', async () => {
    const dataDir = path.join(tmp, 'ann');
    const docs = path.join(tmp, 'ann-docs');
    const { mkdirSync, writeFileSync } = await import('node:fs');
    mkdirSync(docs, { recursive: true });
    const topics = ['queue', 'worker', 'slack', 'discord', 'figure', 'index', 'ollama', 'redis'];
    for (let d = 0; d < 8; d++) {
      const paragraphs = Array.from({ length: 40 }, (_, p) => `Paragraph ${p} of document ${d} is about the ${topics[(d + p) % 8]} and the ${topics[(d * 3 + p) % 8]}.`);
      writeFileSync(path.join(docs, `doc-${d}.md`), `# Doc ${d}\n\n${paragraphs.map((p, i) => `## Part ${i}\n\n${p}`).join('\n\n')}\n`); // one chunk per section
    }
    const config = configFor(dataDir);
    const summary = await ingest([docs], { config, logger }, { embedder, annMinRows: 256 });
    expect(summary.chunks.added).toBeGreaterThanOrEqual(256);
    const { IndexStore } = await import('../../../src/rag/index/store.js');
    const store = (await IndexStore.open(dataDir))!;
    expect(await store.hasVectorIndex('chunks', 'vector')).toBe(true);
    expect(await store.hasVectorIndex('figures', 'vector')).toBe(false);
    await store.close();
    const kb = await openKnowledgeBase({ config, logger, embedder });
    const result = await kb.search({ text: 'Paragraph 7 of document 3 is about the ollama' });
    await kb.close();
    expect(result.chunks.length).toBe(8);
    expect(result.chunks.some((c) => c.context.startsWith('Paragraph 7 of document 3'))).toBe(true);
  });
});
