/**
 * The Retriever over an IndexStore: rows and vectors are loaded into memory once (and again
 * when another process commits a new generation); vector search is exact over those
 * matrices, BM25 comes from LanceDB's full-text index.
 */
import { UserFacingError } from '../../errors.js';
import type { Embedder } from '../embed/embedder.js';
import { meanVector } from '../embed/vector.js';
import type { ChunkRow, FigureRow, IndexStore } from '../index/store.js';
import type { ChunkRecord, FigureRecord, Retriever, ScoredChunk, ScoredFigure, SearchOptions, SearchQuery, SearchResult } from '../types.js';
import { HYBRID_FIGURE_K, HYBRID_TEXT_K, SEED_FIGURES, SEED_TEXT, fullTextQuery, reciprocalRankFusion, seedScores } from './scoring.js';
import { VectorMatrix } from './vector-matrix.js';

/** Candidates taken from each ranked list before fusion. */
const CANDIDATES = 50;

interface Loaded {
  chunks: ChunkRecord[];
  figures: FigureRecord[];
  chunkIndex: Map<string, number>;
  figureIndex: Map<string, number>;
  chunkVectors: VectorMatrix;
  figureVectors: VectorMatrix;
  captionVectors: VectorMatrix;
  /** Columns with an ANN index (large tables): hybrid search asks LanceDB instead of the matrix. */
  ann: { chunks: boolean; figures: boolean; captions: boolean };
}

const chunkRecord = ({ vector: _v, rev: _r, ...rest }: ChunkRow): ChunkRecord => rest;
const figureRecord = ({ vector: _v, captionVector: _c, rev: _r, searchText: _s, ...rest }: FigureRow): FigureRecord => rest;

export class Searcher implements Retriever {
  private loaded?: Loaded;

  constructor(
    private readonly store: IndexStore,
    private readonly embedder: Embedder,
  ) {}

  get counts() {
    return { chunks: this.loaded?.chunks.length ?? 0, figures: this.loaded?.figures.length ?? 0 };
  }

  /** Load (or reload after another process committed) the rows and their vectors. */
  async load(): Promise<void> {
    const [chunkRows, figureRows] = await Promise.all([this.store.loadChunks(), this.store.loadFigures()]);
    const ann = {
      chunks: await this.store.hasVectorIndex('chunks', 'vector'),
      figures: await this.store.hasVectorIndex('figures', 'vector'),
      captions: await this.store.hasVectorIndex('figures', 'captionVector'),
    };
    const dim = this.store.info.dim;
    this.loaded = {
      chunks: chunkRows.map(chunkRecord),
      figures: figureRows.map(figureRecord),
      chunkIndex: new Map(chunkRows.map((c, i) => [c.id, i])),
      figureIndex: new Map(figureRows.map((f, i) => [f.id, i])),
      chunkVectors: new VectorMatrix(dim, chunkRows.map((c) => c.vector)),
      figureVectors: new VectorMatrix(dim, figureRows.map((f) => f.vector)),
      captionVectors: new VectorMatrix(dim, figureRows.map((f) => f.captionVector)),
      ann,
    };
  }

  private async fresh(): Promise<Loaded> {
    if (!this.loaded || this.store.hasNewerGeneration()) {
      await this.store.refresh();
      await this.load();
    }
    return this.loaded!;
  }

  async search(query: SearchQuery, options: SearchOptions = {}): Promise<SearchResult> {
    const t0 = performance.now();
    const text = query.text?.trim() ?? '';
    if (!text && !query.image) throw new UserFacingError('query_empty', 'The search query is empty: give some text or an image.');
    const data = await this.fresh();
    const t1 = performance.now();
    const textVector = text ? (await this.embedder.embedTexts([text]))[0]! : undefined;
    const imageVector = query.image ? (await this.embedder.embedImages([query.image]))[0]! : undefined;
    const queryVectors = [textVector, imageVector].filter((v): v is Float32Array => v !== undefined);
    const t2 = performance.now();
    const timings: Record<string, number> = { load: t1 - t0, embed: t2 - t1 };

    let chunks: ScoredChunk[];
    let figures: ScoredFigure[];
    if (options.mode === 'seed') {
      const q = queryVectors.length === 1 ? queryVectors[0]! : meanVector(queryVectors);
      const textParams = { ...SEED_TEXT, k: options.textK ?? SEED_TEXT.k };
      const figureParams = { ...SEED_FIGURES, k: options.figureK ?? SEED_FIGURES.k };
      chunks = seedScores(data.chunkVectors.scoresAll(q), textParams).map((h) => ({ ...data.chunks[h.index]!, kind: 'text', score: h.score }));
      figures = seedScores(data.figureVectors.scoresAll(q), figureParams).map((h) => ({ ...data.figures[h.index]!, kind: 'figure', score: h.score }));
      timings.vector = performance.now() - t2;
    } else {
      const exact = (matrix: VectorMatrix, rows: Array<{ id: string }>, v: Float32Array) => matrix.topK(v, CANDIDATES).map((h) => rows[h.index]!.id);
      const known = (index: Map<string, number>) => (ids: string[]) => ids.filter((id) => index.has(id));
      const chunkLists = await Promise.all(
        queryVectors.map((v) => (data.ann.chunks ? this.store.vectorSearch('chunks', 'vector', v, CANDIDATES).then(known(data.chunkIndex)) : exact(data.chunkVectors, data.chunks, v))),
      );
      const figureLists = await Promise.all(
        queryVectors.map((v) => (data.ann.figures ? this.store.vectorSearch('figures', 'vector', v, CANDIDATES).then(known(data.figureIndex)) : exact(data.figureVectors, data.figures, v))),
      );
      if (textVector) {
        figureLists.push(
          data.ann.captions
            ? known(data.figureIndex)(await this.store.vectorSearch('figures', 'captionVector', textVector, CANDIDATES))
            : exact(data.captionVectors, data.figures, textVector),
        );
      }
      const t3 = performance.now();
      timings.vector = t3 - t2;
      const ftq = fullTextQuery(text);
      if (ftq) {
        const [chunkText, figureText] = await Promise.all([this.store.fullText('chunks', ftq, CANDIDATES), this.store.fullText('figures', ftq, CANDIDATES)]);
        // Rows committed after our snapshot are ignored until the next reload.
        chunkLists.push(chunkText.filter((id) => data.chunkIndex.has(id)));
        figureLists.push(figureText.filter((id) => data.figureIndex.has(id)));
      }
      timings.fulltext = performance.now() - t3;
      chunks = reciprocalRankFusion(chunkLists, options.textK ?? HYBRID_TEXT_K).map(({ id, score }) => ({ ...data.chunks[data.chunkIndex.get(id)!]!, kind: 'text', score }));
      figures = reciprocalRankFusion(figureLists, options.figureK ?? HYBRID_FIGURE_K).map(({ id, score }) => ({ ...data.figures[data.figureIndex.get(id)!]!, kind: 'figure', score }));
    }
    timings.total = performance.now() - t0;
    return { chunks, figures, timings };
  }
}
