/**
 * The Retriever over an IndexStore, at one of the three retrieval levels:
 *
 * - level 3: hybrid — vector search (query text vs chunk texts and figure pixels, the user's
 *   image vs both, query text vs captions) fused with BM25 by reciprocal-rank fusion; or the
 *   seed article's softmax scoring (`mode: 'seed'`).
 * - levels 1 and 2: BM25 only, over chunk text and each figure's text (caption, OCR text,
 *   description): no embedding model needed.
 *
 * Each table is searched in memory or on disk (table-view.ts): below the ANN threshold
 * (`annMinRows`, default ANN_MIN_ROWS) its rows and vectors are loaded once (and again when
 * another process commits a new generation) and vector search is exact over in-memory
 * matrices; past it nothing is loaded: LanceDB's on-disk ANN and full-text indexes answer
 * and only the hits' rows are read, so memory stays bounded. A row without a vector (index built at level 2, not upgraded yet) is left
 * out of the vector lists and found by BM25 only; an index with no vectors at all is
 * searched at level 2 even when the model is loaded. Every hit carries its per-signal ranks
 * and scores (`signals`).
 */
import { UserFacingError } from '../../errors.js';
import type { Embedder } from '../embed/embedder.js';
import { sameModel } from '../embed/identity.js';
import { meanVector } from '../embed/vector.js';
import type { IndexStore, TableName, VectorColumn } from '../index/store.js';
import type { Retriever, RetrievalLevel, ScoredChunk, ScoredFigure, SearchOptions, SearchQuery, SearchResult } from '../types.js';
import { HYBRID_FIGURE_K, HYBRID_TEXT_K, SEED_FIGURES, SEED_TEXT, fullTextQuery, fuseRanked, seedScores, type RankedList } from './scoring.js';
import { openTableView, type Hit, type TableView } from './table-view.js';

/** Candidates taken from each ranked list before fusion. */
const CANDIDATES = 50;

interface Loaded {
  chunks: TableView<'chunks'>;
  figures: TableView<'figures'>;
}

export interface SearcherOptions {
  /** The level asked for (RETRIEVAL_LEVEL, resolved); 3 needs an embedder. Default: 3 with an embedder, else 2. */
  level?: RetrievalLevel;
  /** Rows from which a table stays on disk (default ANN_MIN_ROWS; lower it in tests). A table with an ANN index always does. */
  annMinRows?: number;
}

export class Searcher implements Retriever {
  private loaded?: Loaded;
  private readonly requested: RetrievalLevel;
  private readonly annMinRows?: number;

  constructor(
    private readonly store: IndexStore,
    private readonly embedder?: Embedder,
    options: SearcherOptions = {},
  ) {
    this.requested = options.level ?? (embedder ? 3 : 2);
    this.annMinRows = options.annMinRows;
    if (this.requested === 3 && !embedder) throw new Error('Searcher: level 3 needs an embedder');
  }

  get counts() {
    return { chunks: this.loaded?.chunks.count ?? 0, figures: this.loaded?.figures.count ?? 0 };
  }

  /** Where each table is searched: 'memory' (exact, loaded) or 'disk' (ANN, nothing loaded). */
  get where() {
    return { chunks: this.loaded?.chunks.where, figures: this.loaded?.figures.where };
  }

  /** The level searches run at now: 3 needs an embedder and vectors in the index. */
  get level(): RetrievalLevel {
    if (this.requested !== 3) return this.requested;
    const data = this.loaded;
    return data && (data.chunks.vectorColumns.size > 0 || data.figures.vectorColumns.size > 0) ? 3 : 2;
  }

  /** Load (or reload after another process committed): each table in memory, or opened on disk. */
  async load(): Promise<void> {
    // A rebuild with another model may have been committed since this process loaded its
    // model: those vectors are not comparable with our query vectors (BM25 only until restarted).
    const useVectors = this.requested === 3 && this.store.info.model !== undefined && sameModel(this.store.info, { ...this.embedder!.identity, ref: this.embedder!.modelId });
    const dim = useVectors ? this.store.info.dim : undefined;
    const [chunks, figures] = await Promise.all([
      openTableView(this.store, 'chunks', dim, this.annMinRows),
      openTableView(this.store, 'figures', dim, this.annMinRows),
    ]);
    this.loaded = { chunks, figures };
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
      chunks = (await this.seed(data.chunks, q, { ...SEED_TEXT, k: options.textK ?? SEED_TEXT.k })).map(({ row, score, signals }) => ({ ...row, kind: 'text', score, signals }));
      figures = (await this.seed(data.figures, q, { ...SEED_FIGURES, k: options.figureK ?? SEED_FIGURES.k })).map(({ row, score, signals }) => ({ ...row, kind: 'figure', score, signals }));
      timings.vector = performance.now() - t2;
    } else {
      const chunkLists: RankedList[] = [];
      const figureLists: RankedList[] = [];
      // Every list at once: BM25 (LanceDB's threads) starts first, so that it overlaps the
      // in-memory matrix products too. Fusion sees the lists in a fixed order: vectors, then BM25.
      const ftq = fullTextQuery(text);
      const slot = (into: RankedList[], signal: RankedList['signal']) => {
        const list: RankedList = { signal, hits: [] };
        into.push(list);
        return (hits: Hit[]) => void (list.hits = hits);
      };
      const vectorSlots: Array<() => Promise<void>> = [];
      for (const [signal, v] of [['vector', textVector], ['image', imageVector]] as const) {
        if (!v) continue;
        const toChunks = slot(chunkLists, signal);
        const toFigures = slot(figureLists, signal);
        vectorSlots.push(async () => toChunks(await data.chunks.vectorHits('vector', v, CANDIDATES)), async () => toFigures(await data.figures.vectorHits('vector', v, CANDIDATES)));
      }
      if (textVector) {
        const toCaptions = slot(figureLists, 'caption');
        vectorSlots.push(async () => toCaptions(await data.figures.vectorHits('captionVector', textVector, CANDIDATES)));
      }
      const since = (t: number, key: string) => () => void (timings[key] = performance.now() - t);
      const fulltext = ftq
        ? Promise.all([data.chunks.textHits(ftq, CANDIDATES).then(slot(chunkLists, 'bm25')), data.figures.textHits(ftq, CANDIDATES).then(slot(figureLists, 'bm25'))]).then(since(t2, 'fulltext'))
        : Promise.resolve(since(t2, 'fulltext')());
      const vectors = Promise.all(vectorSlots.map((run) => run())).then(since(t2, 'vector'));
      await Promise.all([vectors, fulltext]);
      // Rows of the returned hits only (one read per table on disk).
      const t3 = performance.now();
      const [fusedChunks, fusedFigures] = await Promise.all([
        fuseWithRows(data.chunks, chunkLists, options.textK ?? HYBRID_TEXT_K),
        fuseWithRows(data.figures, figureLists, options.figureK ?? HYBRID_FIGURE_K),
      ]);
      timings.rows = performance.now() - t3;
      chunks = fusedChunks.map(({ row, score, signals }) => ({ ...row, kind: 'text', score, signals }));
      figures = fusedFigures.map(({ row, score, signals }) => ({ ...row, kind: 'figure', score, signals }));
    }
    timings.total = performance.now() - t0;
    return { chunks, figures, timings, level };
  }

  /** The seed article's scoring over a table's pixel/text vectors: row, probability, and the cosine as the `vector` signal. */
  private async seed<T extends TableName>(table: TableView<T>, q: Float32Array, params: typeof SEED_TEXT) {
    const column: VectorColumn = 'vector';
    const { hits, similarities } = await table.similarities(column, q, CANDIDATES);
    const chosen = seedScores(similarities, params);
    const rows = await table.rows(chosen.map((h) => hits[h.index]!));
    return chosen.map((h, i) => ({
      row: rows.get(hits[h.index]!.id)!,
      score: h.score,
      signals: { vector: { rank: i + 1, score: similarities[h.index]! } },
    }));
  }
}

/** Reciprocal-rank fusion of the lists (scoring.ts), each fused hit joined to its row (read for these hits only). */
async function fuseWithRows<T extends TableName>(table: TableView<T>, lists: RankedList[], k: number) {
  const fused = fuseRanked(lists, k);
  const hits = new Map<string, Hit>();
  for (const list of lists) for (const hit of list.hits as Hit[]) if (!hits.has(hit.id)) hits.set(hit.id, hit);
  const rows = await table.rows(fused.map((f) => hits.get(f.id)!));
  // A row deleted between the search and the read is left out.
  return fused.flatMap((f) => (rows.has(f.id) ? [{ ...f, row: rows.get(f.id)! }] : []));
}
