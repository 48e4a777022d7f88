/**
 * The Retriever over an IndexStore, at one of the three retrieval levels:
 *
 * - level 3: hybrid — vector search (query text vs chunk texts and figure pixels, the user's
 *   image vs both, query text vs captions) fused with BM25 by reciprocal-rank fusion; or the
 *   seed article's softmax scoring (`mode: 'seed'`).
 * - levels 1 and 2: BM25 only, over chunk text and each figure's text (caption, OCR text,
 *   description): no embedding model needed.
 *
 * Rows and vectors are loaded into memory once (and again when another process commits a
 * new generation); vector search is exact over those matrices (ANN through LanceDB for
 * large tables). A row without a vector (index built at level 2, not upgraded yet) is left
 * out of the vector lists and found by BM25 only; an index with no vectors at all is
 * searched at level 2 even when the model is loaded. Every hit carries its per-signal ranks
 * and scores (`signals`).
 */
import { UserFacingError } from '../../errors.js';
import type { Embedder } from '../embed/embedder.js';
import { sameModel } from '../embed/identity.js';
import { meanVector } from '../embed/vector.js';
import type { ChunkRow, FigureRow, IndexStore, StoreHit, TableName, VectorColumn } from '../index/store.js';
import type { ChunkRecord, FigureRecord, Retriever, RetrievalLevel, ScoredChunk, ScoredFigure, SearchOptions, SearchQuery, SearchResult } from '../types.js';
import { HYBRID_FIGURE_K, HYBRID_TEXT_K, SEED_FIGURES, SEED_TEXT, fullTextQuery, fuseRanked, seedScores, type RankedList } from './scoring.js';
import { VectorMatrix } from './vector-matrix.js';

/** Candidates taken from each ranked list before fusion. */
const CANDIDATES = 50;

/** The vectors of one column, for the rows that have one; `rows[i]` is the record index of matrix row i. */
interface VectorColumnData {
  matrix: VectorMatrix;
  rows: number[];
}

interface Loaded {
  chunks: ChunkRecord[];
  figures: FigureRecord[];
  chunkIndex: Map<string, number>;
  figureIndex: Map<string, number>;
  chunkVectors?: VectorColumnData;
  figureVectors?: VectorColumnData;
  captionVectors?: VectorColumnData;
  /** Columns with an ANN index (large tables): hybrid search asks LanceDB instead of the matrix. */
  ann: { chunks: boolean; figures: boolean; captions: boolean };
}

const chunkRecord = ({ vector: _v, rev: _r, ...rest }: ChunkRow): ChunkRecord => rest;
const figureRecord = ({ vector: _v, captionVector: _c, rev: _r, searchText: _s, ...rest }: FigureRow): FigureRecord => rest;

function columnData(dim: number | undefined, vectors: Array<Float32Array | undefined>): VectorColumnData | undefined {
  if (dim === undefined) return undefined;
  const rows: number[] = [];
  const present: Float32Array[] = [];
  vectors.forEach((v, i) => {
    if (v && v.length === dim) {
      rows.push(i);
      present.push(v);
    }
  });
  return present.length > 0 ? { matrix: new VectorMatrix(dim, present), rows } : undefined;
}

export interface SearcherOptions {
  /** The level asked for (RETRIEVAL_LEVEL, resolved); 3 needs an embedder. Default: 3 with an embedder, else 2. */
  level?: RetrievalLevel;
}

export class Searcher implements Retriever {
  private loaded?: Loaded;
  private readonly requested: RetrievalLevel;

  constructor(
    private readonly store: IndexStore,
    private readonly embedder?: Embedder,
    options: SearcherOptions = {},
  ) {
    this.requested = options.level ?? (embedder ? 3 : 2);
    if (this.requested === 3 && !embedder) throw new Error('Searcher: level 3 needs an embedder');
  }

  get counts() {
    return { chunks: this.loaded?.chunks.length ?? 0, figures: this.loaded?.figures.length ?? 0 };
  }

  /** The level searches run at now: 3 needs an embedder and vectors in the index. */
  get level(): RetrievalLevel {
    if (this.requested !== 3) return this.requested;
    const data = this.loaded;
    return data && (data.chunkVectors || data.figureVectors || data.captionVectors) ? 3 : 2;
  }

  /** Load (or reload after another process committed) the rows and their vectors. */
  async load(): Promise<void> {
    const [chunkRows, figureRows] = await Promise.all([this.store.loadChunks(), this.store.loadFigures()]);
    // A rebuild with another model may have been committed since this process loaded its
    // model: those vectors are not comparable with our query vectors (BM25 only until restarted).
    const useVectors = this.requested === 3 && this.store.info.model !== undefined && sameModel(this.store.info, { ...this.embedder!.identity, ref: this.embedder!.modelId });
    const dim = useVectors ? this.store.info.dim : undefined;
    const ann = useVectors && dim !== undefined
      ? {
          chunks: await this.store.hasVectorIndex('chunks', 'vector'),
          figures: await this.store.hasVectorIndex('figures', 'vector'),
          captions: await this.store.hasVectorIndex('figures', 'captionVector'),
        }
      : { chunks: false, figures: false, captions: false };
    this.loaded = {
      chunks: chunkRows.map(chunkRecord),
      figures: figureRows.map(figureRecord),
      chunkIndex: new Map(chunkRows.map((c, i) => [c.id, i])),
      figureIndex: new Map(figureRows.map((f, i) => [f.id, i])),
      chunkVectors: columnData(dim, chunkRows.map((c) => c.vector)),
      figureVectors: columnData(dim, figureRows.map((f) => f.vector)),
      captionVectors: columnData(dim, figureRows.map((f) => f.captionVector)),
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
    const level = this.level;
    if (options.mode === 'seed' && level !== 3) {
      throw new UserFacingError('seed_needs_vectors', 'Seed scoring compares embeddings: it needs the embedding model and an index with vectors (retrieval level 3).');
    }
    const t1 = performance.now();
    const embedder = level === 3 ? this.embedder : undefined;
    const textVector = embedder && text ? (await embedder.embedTexts([text]))[0]! : undefined;
    const imageVector = embedder && query.image ? (await embedder.embedImages([query.image]))[0]! : undefined;
    const t2 = performance.now();
    const timings: Record<string, number> = { load: t1 - t0, embed: t2 - t1 };

    let chunks: ScoredChunk[];
    let figures: ScoredFigure[];
    if (options.mode === 'seed') {
      const q = textVector && imageVector ? meanVector([textVector, imageVector]) : (textVector ?? imageVector)!;
      chunks = this.seed(data.chunkVectors, q, { ...SEED_TEXT, k: options.textK ?? SEED_TEXT.k }).map((h) => ({ ...data.chunks[h.index]!, kind: 'text', score: h.score, signals: h.signals }));
      figures = this.seed(data.figureVectors, q, { ...SEED_FIGURES, k: options.figureK ?? SEED_FIGURES.k }).map((h) => ({ ...data.figures[h.index]!, kind: 'figure', score: h.score, signals: h.signals }));
      timings.vector = performance.now() - t2;
    } else {
      const chunkLists: RankedList[] = [];
      const figureLists: RankedList[] = [];
      for (const [signal, v] of [['vector', textVector], ['image', imageVector]] as const) {
        if (!v) continue;
        chunkLists.push({ signal, hits: await this.vectorHits(data, 'chunks', 'vector', v) });
        figureLists.push({ signal, hits: await this.vectorHits(data, 'figures', 'vector', v) });
      }
      if (textVector) figureLists.push({ signal: 'caption', hits: await this.vectorHits(data, 'figures', 'captionVector', textVector) });
      const t3 = performance.now();
      timings.vector = t3 - t2;
      const ftq = fullTextQuery(text);
      if (ftq) {
        const [chunkText, figureText] = await Promise.all([this.store.fullText('chunks', ftq, CANDIDATES), this.store.fullText('figures', ftq, CANDIDATES)]);
        // Rows committed after our snapshot are ignored until the next reload.
        chunkLists.push({ signal: 'bm25', hits: chunkText.filter((h) => data.chunkIndex.has(h.id)) });
        figureLists.push({ signal: 'bm25', hits: figureText.filter((h) => data.figureIndex.has(h.id)) });
      }
      timings.fulltext = performance.now() - t3;
      chunks = fuseRanked(chunkLists, options.textK ?? HYBRID_TEXT_K).map(({ id, score, signals }) => ({ ...data.chunks[data.chunkIndex.get(id)!]!, kind: 'text', score, signals }));
      figures = fuseRanked(figureLists, options.figureK ?? HYBRID_FIGURE_K).map(({ id, score, signals }) => ({ ...data.figures[data.figureIndex.get(id)!]!, kind: 'figure', score, signals }));
    }
    timings.total = performance.now() - t0;
    return { chunks, figures, timings, level };
  }

  /** Best rows of one vector column for `v` (cosine similarity), through ANN on large tables. */
  private async vectorHits(data: Loaded, table: TableName, column: VectorColumn, v: Float32Array): Promise<StoreHit[]> {
    const ann = table === 'chunks' ? data.ann.chunks : column === 'vector' ? data.ann.figures : data.ann.captions;
    const index = table === 'chunks' ? data.chunkIndex : data.figureIndex;
    if (ann) return (await this.store.vectorSearch(table, column, v, CANDIDATES)).filter((h) => index.has(h.id));
    const col = table === 'chunks' ? data.chunkVectors : column === 'vector' ? data.figureVectors : data.captionVectors;
    if (!col) return [];
    const records: Array<{ id: string }> = table === 'chunks' ? data.chunks : data.figures;
    return col.matrix.topK(v, CANDIDATES).map((h) => ({ id: records[col.rows[h.index]!]!.id, score: h.score }));
  }

  /** The seed article's scoring over one column: record index, probability, and the cosine as the `vector` signal. */
  private seed(col: VectorColumnData | undefined, q: Float32Array, params: typeof SEED_TEXT) {
    if (!col) return [];
    const similarities = col.matrix.scoresAll(q);
    return seedScores(similarities, params).map((h, i) => ({
      index: col.rows[h.index]!,
      score: h.score,
      signals: { vector: { rank: i + 1, score: similarities[h.index]! } },
    }));
  }
}
