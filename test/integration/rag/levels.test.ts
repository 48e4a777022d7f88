/**
 * The three retrieval levels as modes of one knowledge base, on an index built with the tiny
 * CLIP fixture: BM25 only at levels 1 and 2 (no model loaded), `auto` falling back to 2 with
 * one warning, per-signal scores at level 3, an index without vectors, and its upgrade to 3.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { dot } from '../../../src/rag/embed/vector.js';
import { IndexStore } from '../../../src/rag/index/store.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import { openKnowledgeBase } from '../../../src/rag/knowledge-base.js';
import { fullTextQuery } from '../../../src/rag/search/scoring.js';
import type { ScoreSignals } from '../../../src/rag/types.js';
import { freePort } from '../../helpers/redis.js';

const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const silent = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-levels-'));
const built = path.join(tmp, 'built');
const config = (env: Record<string, string> = {}, dataDir = built) => loadConfig({ DATA_DIR: dataDir, EMBEDDING_MODEL: FIXTURE, ...env });

/** A logger whose JSON lines are kept. */
function capturingLogger() {
  const lines: Array<{ level: number; msg: string }> = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push(JSON.parse(line) as { level: number; msg: string });
      done();
    },
  });
  return { logger: createLogger({ level: 'info', destination, pretty: false }), warnings: () => lines.filter((l) => l.level === 40).map((l) => l.msg) };
}

const signalNames = (s: ScoreSignals | undefined) => Object.keys(s ?? {}).sort();

let embedder: Embedder;
beforeAll(async () => {
  embedder = await createEmbedder(FIXTURE);
  await ingest(['data/articles'], { config: config(), logger: silent }, { embedder });
});
afterAll(async () => {
  await embedder.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('levels 2 and 1: BM25 over chunks and figure text, no model', () => {
  it('opens without loading any model (EMBEDDING_MODEL may point nowhere) and searches text and figures by BM25', async () => {
    const kb = await openKnowledgeBase({ config: config({ RETRIEVAL_LEVEL: '2', EMBEDDING_MODEL: path.join(tmp, 'no-model-here') }), logger: silent });
    expect(kb.level).toBe(2);
    expect(kb.embedder).toBeUndefined();
    const result = await kb.search({ text: 'Bolt adapter acks the envelope' });
    await kb.close();
    expect(result.level).toBe(2);
    expect(result.chunks.length).toBeGreaterThan(0);
    expect(path.basename(result.figures[0]!.imagePath)).toBe('slack-message-flow.png');
    for (const hit of [...result.chunks, ...result.figures]) expect(signalNames(hit.signals)).toEqual(['bm25']);
    // The fused order is the BM25 order; ranks count from 1.
    expect(result.chunks.map((c) => c.signals!.bm25!.rank)).toEqual(result.chunks.map((_, i) => i + 1));
    const scores = result.chunks.map((c) => c.signals!.bm25!.score);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
  });

  it('reports level 1 when asked for it, with the same BM25 retrieval', async () => {
    const kb = await openKnowledgeBase({ config: config({ RETRIEVAL_LEVEL: '1' }), logger: silent });
    const result = await kb.search({ text: 'Discord set-up in five steps' });
    await kb.close();
    expect(kb.level).toBe(1);
    expect(result.level).toBe(1);
    expect(path.basename(result.figures[0]!.imagePath)).toBe('discord-setup-steps.png');
  });

  it('returns nothing for an image-only query, and refuses seed scoring, which needs vectors', async () => {
    const kb = await openKnowledgeBase({ config: config({ RETRIEVAL_LEVEL: '2' }), logger: silent });
    const byImage = await kb.search({ image: readFileSync('data/articles/figures/answer-flow.png') });
    expect(byImage).toMatchObject({ chunks: [], figures: [], level: 2 });
    await expect(kb.search({ text: 'queue' }, { mode: 'seed' })).rejects.toMatchObject({ code: 'seed_needs_vectors' });
    await kb.close();
  });
});

describe('auto: level 3 when the model loads, else level 2 with one warning', () => {
  it('falls back to level 2 with exactly one warning line naming EMBEDDING_MODEL, the reason and the fix, once per process', async () => {
    const { logger, warnings } = capturingLogger();
    const offline = config({ EMBEDDING_MODEL: 'acme/not-cached', HF_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    for (let i = 0; i < 2; i++) {
      const kb = await openKnowledgeBase({ config: offline, logger });
      expect(kb.level).toBe(2);
      const result = await kb.search({ text: 'Which privileged intent must be enabled for the Discord bot?' });
      expect(result.level).toBe(2);
      expect(result.chunks[0]!.source).toBe('articles/discord-setup.html');
      await kb.close();
    }
    expect(warnings()).toHaveLength(1);
    const [warning] = warnings();
    expect(warning).toContain('EMBEDDING_MODEL "acme/not-cached" could not be loaded');
    expect(warning).toContain('the model hub is unreachable');
    expect(warning).toContain('retrieval level 2');
    expect(warning).toContain('mrag model pull');
    expect(warning).toContain('set EMBEDDING_MODEL to a local model directory');
    expect(warning).not.toContain('\n');
  });

  it('makes RETRIEVAL_LEVEL=3 an error when the model does not load, naming the way out', async () => {
    const strict = config({ RETRIEVAL_LEVEL: '3', EMBEDDING_MODEL: 'acme/not-cached-either', HF_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    const err = await openKnowledgeBase({ config: strict, logger: silent }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'embedding_model_unavailable' });
    expect((err as Error).message).toContain('RETRIEVAL_LEVEL=3 needs it');
    expect((err as Error).message).toContain('RETRIEVAL_LEVEL=auto');
  });
});

describe('level 3: hybrid search with per-signal scores', () => {
  it('gives each hit the rank and raw score of every list that found it: cosine for vectors, BM25 for text', async () => {
    const kb = await openKnowledgeBase({ config: config(), logger: silent, embedder });
    const query = 'Socket Mode app token for Slack';
    const result = await kb.search({ text: query }, { textK: 10, figureK: 5 });
    await kb.close();
    expect(result.level).toBe(3);
    const [q] = await embedder.embedTexts([query]);
    const store = (await IndexStore.open(built))!;
    const stored = new Map((await store.loadChunks()).map((c) => [c.id, c]));
    const bm25 = new Map((await store.fullText('chunks', fullTextQuery(query), 50)).map((h) => [h.id, h.score]));
    await store.close();
    expect(result.chunks.some((c) => c.signals?.vector && c.signals.bm25)).toBe(true);
    for (const c of result.chunks) {
      expect(signalNames(c.signals).every((n) => n === 'vector' || n === 'bm25')).toBe(true);
      if (c.signals!.vector) expect(c.signals!.vector.score).toBeCloseTo(dot(q!, stored.get(c.id)!.vector!), 5);
      if (c.signals!.bm25) expect(c.signals!.bm25.score).toBeCloseTo(bm25.get(c.id)!, 5);
    }
    // Vector rank 1 is the chunk most similar to the query of all.
    const best = [...stored.values()].reduce((a, b) => (dot(q!, a.vector!) >= dot(q!, b.vector!) ? a : b));
    const first = result.chunks.find((c) => c.signals?.vector?.rank === 1);
    if (first) expect(first.id).toBe(best.id);
    for (const f of result.figures) expect(signalNames(f.signals).every((n) => ['vector', 'caption', 'bm25'].includes(n))).toBe(true);
  });

  it('adds an `image` signal for the user image, and reports the cosine as the signal in seed mode', async () => {
    const kb = await openKnowledgeBase({ config: config(), logger: silent, embedder });
    const image = readFileSync('data/articles/figures/architecture-diagram.png');
    const both = await kb.search({ text: 'architecture', image });
    const seed = await kb.search({ text: 'architecture' }, { mode: 'seed' });
    await kb.close();
    const top = both.figures.find((f) => path.basename(f.imagePath) === 'architecture-diagram.png')!;
    expect(top.signals!.image).toMatchObject({ rank: 1 });
    expect(top.signals!.image!.score).toBeCloseTo(1, 4); // the same pixels
    for (const c of seed.chunks) expect(c.signals!.vector!.score).toBeGreaterThan(-1);
    expect(seed.chunks.map((c) => c.signals!.vector!.rank)).toEqual(seed.chunks.map((_, i) => i + 1));
  });
});

describe('an index without vectors (built at level 2), and its upgrade to level 3', () => {
  const bare = path.join(tmp, 'bare');

  beforeAll(async () => {
    // The rows of the built index, written again without any vector, as a level-2 ingest writes them.
    const source = (await IndexStore.open(built))!;
    const [docs, chunks, figures] = [await source.documents(), await source.loadChunks(), await source.loadFigures()];
    await source.close();
    const store = await IndexStore.create(bare, undefined);
    for (const doc of docs) {
      const strip = <T extends { vector?: Float32Array; captionVector?: Float32Array; docId: string }>(rows: T[]) =>
        rows.filter((r) => r.docId === doc.docId).map(({ vector: _v, captionVector: _c, ...rest }) => rest);
      await store.replaceDocument(doc, strip(chunks), strip(figures));
    }
    await store.commit();
    // Writing a vector into it is refused, and the refused write loses nothing.
    const doc = docs.find((d) => d.source === 'articles/discord-setup.html')!;
    await expect(store.replaceDocument(doc, [chunks.find((c) => c.docId === doc.docId)!], [])).rejects.toThrow('no vector columns yet');
    expect((await store.loadChunks()).filter((c) => c.docId === doc.docId)).toHaveLength(doc.chunks);
    await store.close();
  });

  it('is searched by BM25 only, even with the model loaded', async () => {
    const kb = await openKnowledgeBase({ config: config({}, bare), logger: silent, embedder });
    const result = await kb.search({ text: 'Which bot token scopes does the Slack app need?' });
    await kb.close();
    expect(kb.level).toBe(2);
    expect(kb.info.model).toBeUndefined();
    expect(result.level).toBe(2);
    expect(result.chunks[0]!.source).toBe('articles/slack-setup.md');
    for (const c of result.chunks) expect(signalNames(c.signals)).toEqual(['bm25']);
  });

  it('gains vectors row by row: embedded rows join the vector lists, the others stay findable by BM25', async () => {
    const store = await IndexStore.create(bare, embedder.identity);
    const missing = await store.idsWithoutVector('chunks');
    const chunks = await store.loadChunks();
    expect(missing.sort()).toEqual(chunks.map((c) => c.id).sort());
    // Embed only the Slack article's chunks and figures (an upgrade interrupted half-way).
    const slack = chunks.filter((c) => c.source === 'articles/slack-setup.md');
    const vectors = await embedder.embedTexts(slack.map((c) => c.text));
    await store.setVectors('chunks', slack.map((c, i) => ({ id: c.id, vector: vectors[i]! })));
    await store.commit();
    expect((await store.idsWithoutVector('chunks')).sort()).toEqual(chunks.filter((c) => c.source !== 'articles/slack-setup.md').map((c) => c.id).sort());
    await store.close();

    const kb = await openKnowledgeBase({ config: config({}, bare), logger: silent, embedder });
    expect(kb.level).toBe(3);
    expect(kb.info).toMatchObject({ model: 'clip-tiny', dim: 32 });
    const result = await kb.search({ text: 'Which privileged intent must be enabled for the Discord bot?' }, { textK: 20 });
    await kb.close();
    expect(result.level).toBe(3);
    for (const c of result.chunks) {
      if (c.source === 'articles/slack-setup.md') continue;
      expect(c.signals!.vector).toBeUndefined(); // no vector yet: BM25 only
    }
    expect(result.chunks.some((c) => c.source === 'articles/discord-setup.html' && c.signals!.bm25)).toBe(true);
    expect(result.chunks.some((c) => c.signals!.vector)).toBe(true);
    expect(result.chunks.filter((c) => c.signals!.vector).every((c) => c.source === 'articles/slack-setup.md')).toBe(true);
  });

  it('refuses another model once it holds vectors', async () => {
    await expect(IndexStore.create(bare, { id: 'other', dim: 32, fingerprint: '0000000000000000' })).rejects.toMatchObject({ code: 'index_model_mismatch' });
  });
});
