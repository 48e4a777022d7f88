/**
 * How the searcher sees one table (chunks or figures): ranked hits that carry their rows.
 *
 * - `MemoryTable` (below the ANN threshold): every row and its vectors loaded once; vector
 *   search is exact over in-memory matrices (vector-matrix.ts); BM25 hits are joined to the
 *   loaded rows (a row committed after the snapshot is ignored until the next reload).
 * - `DiskTable` (past it): nothing is loaded; vector search goes to LanceDB's on-disk ANN
 *   index and BM25 to its full-text index, which return ids and scores; the searcher fuses
 *   them and reads the rows of the hits it returns only (by LanceDB row id). Memory stays
 *   bounded whatever the table's size (bench/search.ts reports the RSS).
 */
import { ANN_MIN_ROWS } from '../index/ann.js';
import { byScoreThenId } from '../index/lance-read.js';
import { VECTOR_COLUMNS, type IndexStore, type RowOf, type TableName, type VectorColumn } from '../index/store.js';
import type { ChunkRecord, FigureRecord } from '../types.js';
import { VectorMatrix } from './vector-matrix.js';

/** One hit of a ranked list. */
export interface Hit {
  id: string;
  /** The list's own score: cosine similarity (vectors) or BM25. */
  score: number;
  /** Where the row is (disk tables): LanceDB's row id in the version searched. */
  rowId?: bigint;
}

export type RecordOf<T extends TableName> = T extends 'chunks' ? ChunkRecord : FigureRecord;

export interface TableView<T extends TableName> {
  readonly where: 'memory' | 'disk';
  /** Rows in the table (at load). */
  readonly count: number;
  /** Vector columns in which at least one row has a vector. */
  readonly vectorColumns: ReadonlySet<VectorColumn>;
  /** The k rows nearest to the unit vector `v` in `column`, best first (cosine similarity). */
  vectorHits(column: VectorColumn, v: Float32Array, k: number): Promise<Hit[]>;
  /** The k best BM25 rows for a full-text query (already stripped of query syntax). */
  textHits(query: string, k: number): Promise<Hit[]>;
  /** The rows of these hits (hits of this table's lists), by id. */
  rows(hits: Hit[]): Promise<Map<string, RecordOf<T>>>;
  /**
   * The seed article's scoring input: similarity of `v` to every row (memory), or to the
   * `candidates` nearest rows (disk: the softmax then runs over those candidates only).
   */
  similarities(column: VectorColumn, v: Float32Array, candidates: number): Promise<{ hits: Hit[]; similarities: Float32Array }>;
}

/** A stored row as search returns it: without its revision and (figures) the BM25 text column. */
export function recordOf<T extends TableName>(table: T, row: RowOf<TableName> | (RowOf<TableName> & { vector?: unknown; captionVector?: unknown })): RecordOf<T> {
  const { vector: _v, captionVector: _c, rev: _r, ...rest } = row as RowOf<'figures'> & { vector?: unknown; captionVector?: unknown };
  if (table === 'chunks') return rest as unknown as RecordOf<T>;
  const { searchText: _s, ...figure } = rest;
  return figure as unknown as RecordOf<T>;
}

/** The vectors of one column for the rows that have one; `rows[i]` is the row index of matrix row i. */
interface VectorColumnData {
  matrix: VectorMatrix;
  rows: number[];
}

function columnData(dim: number, vectors: Array<Float32Array | undefined>): VectorColumnData | undefined {
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

export class MemoryTable<T extends TableName> implements TableView<T> {
  readonly where = 'memory';
  private readonly index: Map<string, number>;

  private constructor(
    private readonly store: IndexStore,
    private readonly table: T,
    private readonly records: Array<RecordOf<T>>,
    private readonly vectors: Map<VectorColumn, VectorColumnData>,
  ) {
    this.index = new Map(records.map((r, i) => [r.id, i]));
  }

  /** Load every row (and, with `dim`, every vector of the table's vector columns). */
  static async load<T extends TableName>(store: IndexStore, table: T, dim: number | undefined): Promise<MemoryTable<T>> {
    const stored = table === 'chunks' ? await store.loadChunks() : await store.loadFigures();
    const vectors = new Map<VectorColumn, VectorColumnData>();
    if (dim !== undefined) {
      for (const column of VECTOR_COLUMNS[table]) {
        const data = columnData(dim, stored.map((r) => (r as Partial<Record<VectorColumn, Float32Array>>)[column]));
        if (data) vectors.set(column, data);
      }
    }
    return new MemoryTable(store, table, stored.map((r) => recordOf(table, r)), vectors);
  }

  get count() {
    return this.records.length;
  }

  get vectorColumns(): ReadonlySet<VectorColumn> {
    return new Set(this.vectors.keys());
  }

  async vectorHits(column: VectorColumn, v: Float32Array, k: number) {
    const col = this.vectors.get(column);
    if (!col) return [];
    return col.matrix
      .topK(v, k)
      .map((h) => ({ id: this.records[col.rows[h.index]!]!.id, score: h.score }))
      .sort(byScoreThenId); // equal scores (identical vectors, e.g. the same caption twice) by id, as on disk
  }

  async textHits(query: string, k: number) {
    // Rows committed after this snapshot are ignored until the next reload.
    return (await this.store.fullText(this.table, query, k)).filter((h) => this.index.has(h.id)).map(({ id, score }) => ({ id, score }));
  }

  async rows(hits: Hit[]): Promise<Map<string, RecordOf<T>>> {
    return new Map(hits.map((h): [string, RecordOf<T>] => [h.id, this.records[this.index.get(h.id)!]!]));
  }

  async similarities(column: VectorColumn, v: Float32Array) {
    const col = this.vectors.get(column);
    if (!col) return { hits: [], similarities: new Float32Array(0) };
    const similarities = col.matrix.scoresAll(v);
    return { hits: col.rows.map((i, m) => ({ id: this.records[i]!.id, score: similarities[m]! })), similarities };
  }
}

export class DiskTable<T extends TableName> implements TableView<T> {
  readonly where = 'disk';

  private constructor(
    private readonly store: IndexStore,
    private readonly table: T,
    readonly count: number,
    readonly vectorColumns: ReadonlySet<VectorColumn>,
  ) {}

  /** Open without loading rows; with `vectors`, note which vector columns hold any vector. */
  static async open<T extends TableName>(store: IndexStore, table: T, count: number, vectors: boolean): Promise<DiskTable<T>> {
    const columns = new Set<VectorColumn>();
    if (vectors && (await store.hasVectorColumns(table))) {
      for (const column of VECTOR_COLUMNS[table]) {
        if ((await store.hasVectorIndex(table, column)) || (await store.hasAnyVector(table, column))) columns.add(column);
      }
    }
    return new DiskTable(store, table, count, columns);
  }

  async vectorHits(column: VectorColumn, v: Float32Array, k: number) {
    if (!this.vectorColumns.has(column)) return [];
    return (await this.store.vectorSearch(this.table, column, v, k)).sort(byScoreThenId);
  }

  async textHits(query: string, k: number) {
    return this.store.fullText(this.table, query, k);
  }

  /** One read of just these rows (LanceDB `takeRowIds`). */
  async rows(hits: Hit[]): Promise<Map<string, RecordOf<T>>> {
    const rowIds = [...new Set(hits.flatMap((h) => (h.rowId === undefined ? [] : [h.rowId])))];
    const rows = await this.store.rows(this.table, rowIds);
    return new Map(rows.map((r) => [r.id, recordOf(this.table, r)]));
  }

  async similarities(column: VectorColumn, v: Float32Array, candidates: number) {
    const hits = await this.vectorHits(column, v, candidates);
    return { hits, similarities: Float32Array.from(hits.map((h) => h.score)) };
  }
}

/**
 * The view of one table: on disk past `annMinRows` rows or when a vector column already has
 * an ANN index (the writer built one), else in memory. `dim` undefined = no vectors needed
 * (levels 1 and 2).
 */
export async function openTableView<T extends TableName>(store: IndexStore, table: T, dim: number | undefined, annMinRows = ANN_MIN_ROWS): Promise<TableView<T>> {
  const count = await store.countRows(table);
  const indexed = dim !== undefined && (await store.hasVectorIndex(table, 'vector'));
  if (count >= annMinRows || indexed) return DiskTable.open(store, table, count, dim !== undefined);
  return MemoryTable.load(store, table, dim);
}
