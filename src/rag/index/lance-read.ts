/**
 * The search side's LanceDB queries (IndexStore's read methods call these): BM25 and
 * nearest-neighbour hits as ids, scores and LanceDB row ids, rows by row id, and the index
 * types of a table version. Hits carry no row: the searcher reads the rows of the hits it
 * returns only (IndexStore.rows: LanceDB `takeRowIds`), so a search never materialises more than it shows.
 */
import './lance-env.js';
import * as lancedb from '@lancedb/lancedb';
import { annQueryPlan } from './ann.js';
import type { TableName } from './rows.js';
import { storedChunkSchema, storedFigureSchema } from './schema.js';

/**
 * LanceDB keeps opened index data (HNSW graphs, quantised vectors, BM25 postings) in a
 * per-session cache of 6 GB by default: a worker's memory would grow with the corpus. One
 * session per process caps it. 1 GiB holds the whole working set of a 1M-chunk 512-d index
 * (its IVF_HNSW_SQ partitions and the BM25 postings 100 queries touched: ~1.2 GB of RSS,
 * bench/search.ts); past that, queries read from disk again instead of growing the process.
 */
export const INDEX_CACHE_BYTES = 1024 * 1024 * 1024;
export const METADATA_CACHE_BYTES = 128 * 1024 * 1024;
let session: lancedb.Session | undefined;

/** The process's LanceDB session (bounded caches), for every connection to an index. */
export function lanceSession(): lancedb.Session {
  session ??= new lancedb.Session(BigInt(INDEX_CACHE_BYTES), BigInt(METADATA_CACHE_BYTES));
  return session;
}

/** One hit of a ranked list from the store: row id and the list's own score. */
export interface StoreHit {
  id: string;
  /** BM25 score (full text) or cosine similarity (vectors). */
  score: number;
  /** LanceDB's row id in the table version searched: IndexStore.rows() reads the row. */
  rowId?: bigint;
}

/** The non-vector columns read back for search hits (what the row schemas validate). */
export const ROW_COLUMNS: Record<TableName, string[]> = { chunks: Object.keys(storedChunkSchema.shape), figures: Object.keys(storedFigureSchema.shape) };

/** A column name in a LanceDB filter, in backticks: unquoted names are lower-cased (captionVector → captionvector), double quotes make a string. */
export const sqlColumn = (column: string) => `\`${column}\``;

/** Best first; equal scores by id, so that rankings are repeatable (LanceDB returns ties in no fixed order). */
export const byScoreThenId = <H extends { id: string; score: number }>(a: H, b: H) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/** BM25 hits of `query` in the full-text-indexed `column`, best first (LanceDB's `_score`). */
export async function bm25Hits(table: lancedb.Table, column: string, query: string, limit: number): Promise<StoreHit[]> {
  const rows = await table.search(query, 'fts', column).select(['id', '_score']).withRowId().limit(limit).toArray();
  return rows.map((r) => ({ id: String(r.id), score: Number(r._score), rowId: r._rowid as bigint })).sort(byScoreThenId);
}

/**
 * Rows nearest to a unit `query` in `column`, best first, score = cosine similarity, with the
 * query plan of the column's index type (ann.ts; none = exact flat scan).
 */
export async function nearestHits(table: lancedb.Table, column: string, indexType: string | undefined, query: Float32Array, limit: number): Promise<StoreHit[]> {
  const plan = annQueryPlan(indexType);
  let q = table.vectorSearch(query).column(column).distanceType(plan.distance).nprobes(plan.nprobes).limit(limit);
  if (plan.ef) q = q.ef(plan.ef(limit));
  if (plan.refine) q = q.refineFactor(plan.refine);
  const rows = await q.select(['id', '_distance']).withRowId().toArray();
  return rows.map((r) => ({ id: String(r.id), score: plan.cosine(Number(r._distance)), rowId: r._rowid as bigint }));
}

/** Index type by indexed column, per table version (listed once per version: searches ask on every query). */
export class IndexTypes {
  private readonly cache = new Map<string, { version: number; types: Map<string, string> }>();

  async of(name: string, table: lancedb.Table): Promise<Map<string, string>> {
    const version = await table.version();
    const cached = this.cache.get(name);
    if (cached?.version === version) return cached.types;
    const types = new Map<string, string>();
    for (const index of await table.listIndices()) for (const column of index.columns) types.set(column, index.indexType);
    this.cache.set(name, { version, types });
    return types;
  }
}
