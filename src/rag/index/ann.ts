/**
 * The approximate-nearest-neighbour (ANN) index of large vector columns, and how it is queried.
 *
 * Past `ANN_MIN_ROWS` rows a vector column gets an IVF_HNSW_SQ index at commit (an HNSW
 * graph per IVF partition over 8-bit scalar-quantised vectors, on disk), and the searcher
 * stops holding rows and vectors in memory: it asks LanceDB for the best rows and reads the
 * hits' columns only (see src/rag/search/disk-table.ts).
 *
 * Why this index (bench/search.ts, 512-d unit vectors, 2 cores, recall@10 against exact):
 * at 100k rows IVF_HNSW_SQ built in 10.6 s and answered in 2 ms p50 with recall 1.00
 * (refine ×2), IVF-PQ (316 partitions, 32 sub-vectors) built in 43 s and needed nprobes 40 +
 * refine ×40 for recall 1.00 at 8 ms p50 (nprobes 20 + refine ×20: 0.86).
 *
 * Distance: 'l2' on unit vectors ranks exactly as cosine (LanceDB's l2 is the squared
 * distance, 2 − 2·cos). LanceDB 0.31's HNSW with 'dot' returned the wrong neighbours here
 * (recall@10 0.12 on the same data), so it is not used.
 *
 * The figures' `captionVector` column gets no ANN index: LanceDB 0.31 cannot train IVF
 * partitions or a quantiser on a nullable column whose name has capitals (its training
 * filter lower-cases the name: "No field named captionvector"). Past the threshold it is
 * searched by an exact flat scan on disk (streamed, memory-bounded; its cost grows with the
 * figure count: LanceDB's flat scan took 75–300 ms at 20k–100k rows here). Renaming the
 * column (e.g. `caption_vector`) at the next index layout change lifts this.
 */
import './lance-env.js';
import * as lancedb from '@lancedb/lancedb';

/**
 * From this many rows on (per vector column), the column gets an ANN index at commit, and
 * the searcher leaves the table on disk (no rows or vectors in memory). Below it, exact search
 * over in-memory matrices: exact, and fast enough (≈ 0.6 ms per 1,000 rows of 512-d here,
 * so ≤ 13 ms at this threshold; bench/search.ts `matrix`).
 */
export const ANN_MIN_ROWS = 20_000;

/** Rows per IVF partition: each partition is one HNSW graph (LanceDB recommends few, large ones). */
export const ANN_ROWS_PER_PARTITION = 250_000;
/** HNSW neighbours per node and candidate list while building (LanceDB's defaults are 20 and 300). */
export const ANN_HNSW_M = 20;
export const ANN_HNSW_EF_CONSTRUCTION = 150;

/** Whether LanceDB can build an ANN index on the column (see above: not on names with capitals). */
export const annIndexable = (column: string) => column === column.toLowerCase();

/** The index a vector column of `rows` rows gets. */
export function annIndexConfig(rows: number): lancedb.Index {
  return lancedb.Index.hnswSq({
    distanceType: 'l2',
    numPartitions: Math.max(1, Math.ceil(rows / ANN_ROWS_PER_PARTITION)),
    m: ANN_HNSW_M,
    efConstruction: ANN_HNSW_EF_CONSTRUCTION,
  });
}

/** How to query a column: distance type, search breadth, exact re-ranking, and distance → cosine. */
export interface AnnQueryPlan {
  distance: 'l2' | 'dot';
  nprobes: number;
  /** HNSW candidate list (at least limit × refine); undefined for other index types. */
  ef?: (limit: number) => number;
  /** Candidates re-ranked with the full vectors: limit × refine. */
  refine?: number;
  /** Cosine similarity of a unit query and a unit row from LanceDB's `_distance`. */
  cosine: (distance: number) => number;
}

/** IVF partitions searched (each one's HNSW graph): the index has at most a handful. */
export const ANN_NPROBES = 4;
/** HNSW candidate list at query time; SQ candidates re-ranked exactly: limit × ANN_REFINE_FACTOR. */
export const ANN_EF = 160;
export const ANN_REFINE_FACTOR = 2;

/**
 * The query plan for a column's index type (`listIndices()[i].indexType`), or for no index
 * (a flat scan, exact). An IVF-PQ index (written by earlier versions with 'dot') is still
 * read until the next commit replaces it.
 */
export function annQueryPlan(indexType: string | undefined): AnnQueryPlan {
  const type = (indexType ?? '').toUpperCase().replace(/[^A-Z]/g, '');
  if (type.includes('HNSW')) {
    return { distance: 'l2', nprobes: ANN_NPROBES, ef: (limit) => Math.max(ANN_EF, limit * ANN_REFINE_FACTOR), refine: ANN_REFINE_FACTOR, cosine: (d) => 1 - d / 2 };
  }
  if (type.includes('PQ')) return { distance: 'dot', nprobes: 40, refine: 40, cosine: (d) => 1 - d };
  return { distance: 'dot', nprobes: 1, cosine: (d) => 1 - d };
}
