/**
 * Search past the ANN threshold (table-view.ts DiskTable): nothing loaded into memory, hits
 * read with their rows from LanceDB, and the same results, per-signal scores and fusion as
 * the exact in-memory search. Small thresholds (`annMinRows`) stand in for 20k+ rows.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { IndexStore } from '../../../src/rag/index/store.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import { openKnowledgeBase } from '../../../src/rag/knowledge-base.js';
import { Searcher } from '../../../src/rag/search/searcher.js';
import type { ScoreSignals, SearchResult } from '../../../src/rag/types.js';

const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const logger = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-disk-search-'));
const docs = path.join(tmp, 'docs');
/** Fewer rows than a ranked list's candidates (50): equal scores cannot fall on either side of the cut. */
const small = path.join(tmp, 'small');
const configFor = (dataDir: string) => loadConfig({ DATA_DIR: dataDir, EMBEDDING_MODEL: FIXTURE, OCR_ENABLED: 'false' });
const flatDir = path.join(tmp, 'flat');
const annDir = path.join(tmp, 'ann');
const NATO = ['alpha', 'bravo', 'charlie', 'delta', 'echo', 'foxtrot', 'golf', 'hotel'];
const topics = ['queue', 'worker', 'slack', 'discord', 'figure', 'index', 'ollama', 'redis'];
const dot = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);

let embedder: Embedder;
let image: Buffer;

beforeAll(async () => {
  embedder = await createEmbedder(FIXTURE);
  mkdirSync(path.join(docs, 'img'), { recursive: true });
  for (let i = 0; i < 24; i++) {
    const png = await sharp({ create: { width: 64 + i, height: 48, channels: 3, background: { r: (i * 37) % 255, g: (i * 91) % 255, b: (i * 53) % 255 } } }).png().toBuffer();
    writeFileSync(path.join(docs, 'img', `fig-${i}.png`), png);
  }
  image = readFileSync(path.join(docs, 'img', 'fig-5.png'));
  mkdirSync(path.join(small, 'img'), { recursive: true });
  for (let d = 0; d < 8; d++) {
    const parts = Array.from({ length: 40 }, (_, p) => `## Part ${p}\n\nParagraph ${p} of document ${d} is about the ${topics[(d + p) % 8]} and the ${topics[(d * 3 + p) % 8]}.`);
    const figures = [0, 1, 2].map((k) => `![Figure ${k}: the ${topics[(d + k) % 8]} chart of document ${d}](img/fig-${d * 3 + k}.png)`);
    writeFileSync(path.join(docs, `doc-${d}.md`), `# Doc ${d}\n\n${parts.join('\n\n')}\n\n${figures.join('\n\n')}\n`);
    // The tiny fixture's text tower is a bag of words: every text here has its own bag, so no two vectors are equal.
    const smallParts = Array.from({ length: 5 }, (_, p) => `## Part ${p}\n\nThe ${NATO[d]} document, part ${p}, is about the ${topics[(d + p) % 8]}.`);
    const smallFigures = [0, 1, 2].map((k) => `![Figure ${k}: the ${topics[(d + k) % 8]} chart of the ${NATO[d]} document](img/fig-${d * 3 + k}.png)`);
    writeFileSync(path.join(small, `doc-${d}.md`), `# Doc ${NATO[d]}\n\n${smallParts.join('\n\n')}\n\n${smallFigures.join('\n\n')}\n`);
  }
  for (let i = 0; i < 24; i++) writeFileSync(path.join(small, 'img', `fig-${i}.png`), readFileSync(path.join(docs, 'img', `fig-${i}.png`)));
  await ingest([small], { config: configFor(flatDir), logger }, { embedder });
  await ingest([docs], { config: configFor(annDir), logger }, { embedder, annMinRows: 16 });
}, 120_000);

afterAll(async () => {
  await embedder.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Open a store whose row loaders are watched (they still run). */
async function watchedStore(dataDir: string) {
  const store = (await IndexStore.open(dataDir))!;
  const loads = { chunks: vi.spyOn(store, 'loadChunks'), figures: vi.spyOn(store, 'loadFigures') };
  return { store, loads };
}

const ids = (r: SearchResult) => ({ chunks: r.chunks.map((c) => c.id), figures: r.figures.map((f) => f.id) });

type Hit = { id: string; score: number; signals?: ScoreSignals };

/**
 * Same ranking as the exact in-memory search. LanceDB and the in-memory matrix compute
 * cosines in a different order of additions, so rows whose scores tie (the tiny fixture maps
 * similar texts to near-identical vectors) may swap places: positions carry the same fused
 * score (a swap moves it by < 1e-3), every hit's per-signal scores are the same, and the hits
 * are the same but for at most one swapped across the cut.
 */
function expectSameRanking(disk: Hit[], memory: Hit[]) {
  expect(disk.length).toBe(memory.length);
  disk.forEach((h, i) => expect(h.score).toBeCloseTo(memory[i]!.score, 3));
  const byId = new Map(memory.map((h) => [h.id, h]));
  for (const h of disk) {
    const other = byId.get(h.id);
    if (!other) continue;
    expect(Object.keys(h.signals ?? {}).sort()).toEqual(Object.keys(other.signals ?? {}).sort());
    for (const [name, s] of Object.entries(h.signals ?? {})) {
      const o = other.signals![name as keyof ScoreSignals]!;
      expect(s.score).toBeCloseTo(o.score, 4);
      expect(Math.abs(s.rank - o.rank)).toBeLessThanOrEqual(2);
    }
  }
  expect(disk.filter((h) => byId.has(h.id)).length).toBeGreaterThanOrEqual(memory.length - 1);
}

describe('a table past the threshold stays on disk', () => {
  it('loads no rows or vectors, and answers exactly as the in-memory search: same hits, order, rows and per-signal scores', async () => {
    const memoryStore = (await IndexStore.open(flatDir))!;
    const memory = new Searcher(memoryStore, embedder);
    await memory.load();
    const { store, loads } = await watchedStore(flatDir);
    const disk = new Searcher(store, embedder, { annMinRows: 1 });
    await disk.load();
    expect(memory.where).toEqual({ chunks: 'memory', figures: 'memory' });
    expect(disk.where).toEqual({ chunks: 'disk', figures: 'disk' });
    expect(disk.counts).toEqual(memory.counts);
    expect(disk.counts).toEqual({ chunks: 40, figures: 24 });
    expect(disk.level).toBe(3);

    const queries = [{ text: 'The delta document, part 3, is about the ollama' }, { text: 'the redis chart' }, { image }, { text: 'which chart shows the queue?', image }];
    for (const query of queries) {
      const [a, b] = [await memory.search(query, { textK: 10, figureK: 6 }), await disk.search(query, { textK: 10, figureK: 6 })];
      expect(b.chunks.length).toBe(10);
      expect(b.figures.length).toBe(6);
      expectSameRanking(b.chunks, a.chunks);
      expectSameRanking(b.figures, a.figures);
      const rows = new Map([...a.chunks, ...a.figures].map((h) => [h.id, h]));
      for (const hit of [...b.chunks, ...b.figures]) {
        const other = rows.get(hit.id);
        if (!other) continue;
        const { score: _s, signals: _g, ...row } = hit;
        const { score: _os, signals: _og, ...otherRow } = other;
        expect(row).toEqual(otherRow); // the same row, read from disk for the hit
      }
      for (const f of b.figures) {
        expect(path.isAbsolute(f.imagePath)).toBe(true);
        expect(f).not.toHaveProperty('searchText');
        expect(f).not.toHaveProperty('vector');
        expect(f).not.toHaveProperty('rev');
      }
    }
    // Only the returned hits' rows are read: one read per table, of at most textK / figureK rows.
    const reads = vi.spyOn(store, 'rows');
    await disk.search({ text: 'the redis chart', image }, { textK: 3, figureK: 2 });
    expect(reads.mock.calls.map(([table, ids]) => [table, ids.length]).sort()).toEqual([['chunks', 3], ['figures', 2]]);
    // Signals of several kinds were exercised: text vectors, pixels, captions, BM25.
    const mixed = await disk.search({ text: 'the redis chart', image }, { textK: 10, figureK: 10 });
    const names = new Set(mixed.figures.flatMap((f) => Object.keys(f.signals ?? {})));
    expect([...names].sort()).toEqual(['bm25', 'caption', 'image', 'vector']);

    expect(loads.chunks).not.toHaveBeenCalled();
    expect(loads.figures).not.toHaveBeenCalled();
    await memoryStore.close();
    await store.close();
  });

  it('searches BM25 only at level 2 without loading rows, with the in-memory results', async () => {
    const memoryStore = (await IndexStore.open(flatDir))!;
    const memory = new Searcher(memoryStore, undefined, { level: 2 });
    await memory.load();
    const { store, loads } = await watchedStore(flatDir);
    const disk = new Searcher(store, undefined, { level: 2, annMinRows: 1 });
    await disk.load();
    const [a, b] = [await memory.search({ text: 'discord chart of the echo document' }), await disk.search({ text: 'discord chart of the echo document' })];
    expect(b.level).toBe(2);
    expect(ids(b)).toEqual(ids(a)); // BM25 ties are broken by id in both
    expect(b.chunks.length).toBeGreaterThan(0);
    expect(b.chunks.every((c) => c.signals?.bm25 && !c.signals.vector)).toBe(true);
    expect(loads.chunks).not.toHaveBeenCalled();
    expect(loads.figures).not.toHaveBeenCalled();
    await memoryStore.close();
    await store.close();
  });

  it('gives seed scoring over the nearest candidates: the top hit and its cosine match the exact search', async () => {
    const memoryStore = (await IndexStore.open(flatDir))!;
    const memory = new Searcher(memoryStore, embedder);
    await memory.load();
    const store = (await IndexStore.open(flatDir))!;
    const disk = new Searcher(store, embedder, { annMinRows: 1 });
    await disk.load();
    const [a, b] = [await memory.search({ text: 'the worker and the queue' }, { mode: 'seed' }), await disk.search({ text: 'the worker and the queue' }, { mode: 'seed' })];
    expect(b.chunks.length).toBeGreaterThan(0);
    expect(b.chunks[0]!.id).toBe(a.chunks[0]!.id);
    expect(b.chunks[0]!.signals!.vector!.score).toBeCloseTo(a.chunks[0]!.signals!.vector!.score, 5);
    // Fewer items share the probability mass: each is at least as likely as in the exact search.
    expect(b.chunks[0]!.score).toBeGreaterThanOrEqual(a.chunks[0]!.score - 1e-9);
    await memoryStore.close();
    await store.close();
  });
});

describe('through the ANN index (IVF_HNSW_SQ)', () => {
  it('is built past the threshold for the pixel and text vector columns and searched with exact cosines, good recall and BM25 fusion', async () => {
    const reference = (await IndexStore.open(annDir))!;
    expect(await reference.vectorIndexType('chunks', 'vector')).toMatch(/hnsw/i);
    expect(await reference.vectorIndexType('figures', 'vector')).toMatch(/hnsw/i);
    // LanceDB cannot index this column (ann.ts): it is scanned exactly, on disk.
    expect(await reference.vectorIndexType('figures', 'captionVector')).toBeUndefined();
    const stored = await reference.loadChunks();
    const storedFigures = new Map((await reference.loadFigures()).map((f) => [f.id, f]));

    const { store, loads } = await watchedStore(annDir);
    const searcher = new Searcher(store, embedder); // default threshold: the index alone sends it to disk
    await searcher.load();
    expect(searcher.where).toEqual({ chunks: 'disk', figures: 'disk' });
    let recall = 0;
    const texts = ['Paragraph 12 of document 6 is about the slack', 'the index and the figure', 'ollama', 'document 2 part 30'];
    for (const text of texts) {
      const [q] = await embedder.embedTexts([text]);
      const exact = stored.map((c) => ({ id: c.id, score: dot(q!, c.vector!) })).sort((x, y) => y.score - x.score).slice(0, 10);
      const ann = await store.vectorSearch('chunks', 'vector', q!, 10);
      recall += ann.filter((h) => exact.some((e) => e.id === h.id)).length / 10 / texts.length;
      for (const h of ann) expect(h.score).toBeCloseTo(dot(q!, stored.find((c) => c.id === h.id)!.vector!), 4);

      const result = await searcher.search({ text }, { textK: 8, figureK: 4 });
      expect(result.level).toBe(3);
      expect(result.chunks).toHaveLength(8);
      for (const c of result.chunks) {
        expect(c.text.length).toBeGreaterThan(0);
        if (c.signals?.vector) expect(c.signals.vector.score).toBeCloseTo(dot(q!, stored.find((s) => s.id === c.id)!.vector!), 4);
      }
      for (const f of result.figures) {
        if (f.signals?.caption) expect(f.signals.caption.score).toBeCloseTo(dot(q!, storedFigures.get(f.id)!.captionVector!), 4);
      }
      expect(result.chunks.some((c) => c.signals?.bm25)).toBe(true);
    }
    expect(recall).toBeGreaterThanOrEqual(0.9);
    expect(loads.chunks).not.toHaveBeenCalled();
    expect(loads.figures).not.toHaveBeenCalled();
    await reference.close();
    await store.close();
  });

  it('sees a document another writer committed after it was opened', async () => {
    const config = configFor(annDir);
    const kb = await openKnowledgeBase({ config, logger, embedder });
    const before = kb.info.chunks;
    const extra = path.join(tmp, 'extra.md');
    writeFileSync(extra, '# Extra\n\nThe zeppelin hangar manual explains mooring masts.\n');
    await ingest([extra], { config, logger }, { embedder, annMinRows: 16 });
    const result = await kb.search({ text: 'zeppelin hangar mooring masts' });
    expect(kb.info.chunks).toBe(before + 1);
    expect(result.chunks[0]!.source).toContain('extra.md');
    await kb.close();
  });
});
