/**
 * The persistent index: LanceDB tables under `<dataDir>/index/lance` plus `meta.json`.
 *
 * LanceDB commits every write as a new table version (MVCC). `commit()` publishes a
 * generation: it compacts the tables, rebuilds the text indexes, and records the table
 * versions in `meta.json` (replaced atomically; `generation` + 1). Readers check out exactly
 * those versions (generation.ts), so they never see a run in progress, and `--rebuild`
 * (`create(…, rebuild)`: the tables are overwritten, as new versions) never leaves them
 * with an empty or half-built index. Nothing is published before the first commit.
 * A writer first rolls back what an uncommitted run left (a crash, a lost lock).
 *
 * Vectors are optional. An index built without an embedding model (retrieval level 1 or 2)
 * has no vector columns and no model in `meta.json`; `addVectorColumns` adds them (nullable,
 * null = "no embedding yet") when a model becomes available, and `setVectors` fills them
 * row by row, so nothing is re-parsed. A row without a vector is found by BM25 only.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import './lance-env.js';
import * as lancedb from '@lancedb/lancedb';
import type { ModelIdentity } from '../embed/identity.js';
import { ANN_MIN_ROWS, annIndexConfig, annIndexable } from './ann.js';
import { INDEX_VERSION_GRACE_MS, checkoutGeneration, compactTables, currentVersions, rollBackUncommitted, type CompactionStats, type IndexTableName, type IndexTables } from './generation.js';
import { IndexTypes, ROW_COLUMNS, bm25Hits, lanceSession, nearestHits, sqlColumn, type StoreHit } from './lance-read.js';
import { indexDir, metaPath, readIndexMeta, writeFileAtomic } from './meta.js';
import { assertIndexLayout, assertSameModel, identityOfModel } from './model-check.js';
import {
  INDEX_SCHEMA_VERSION,
  chunkArrowSchema,
  documentArrowSchema,
  figureArrowSchema,
  storedChunkSchema,
  storedDocumentSchema,
  storedFigureSchema,
  type IndexMeta,
  type StoredChunk,
  type StoredDocument,
  type StoredFigure,
} from './schema.js';
import { VECTOR_COLUMNS, vectorSqlType, vectorsOf, withVectors, type ChunkRow, type FigureRow, type TableName, type VectorColumn } from './rows.js';
import { WriteBuffer } from './write-buffer.js';

export { assertSameModel } from './model-check.js';
export { VECTOR_COLUMNS, type ChunkRow, type FigureRow, type TableName, type VectorColumn } from './rows.js';
export { indexDir, readIndexMeta, relativeToDataDir, writeFileAtomic } from './meta.js';
export { INDEX_VERSION_GRACE_MS, type CompactionStats } from './generation.js';

export interface CommitOptions {
  /** Row count from which vector columns get an ANN index (default ANN_MIN_ROWS). */
  annMinRows?: number;
  /** The write lock's signal: a lost lock must not commit (throws its reason instead). */
  signal?: AbortSignal;
  /** Keep replaced versions this long for readers of the previous generation (default INDEX_VERSION_GRACE_MS). */
  graceMs?: number;
}

export type { StoreHit } from './lance-read.js';

/** The row type of a table as search returns it (no vector columns). */
export type RowOf<T extends TableName> = T extends 'chunks' ? StoredChunk : StoredFigure;

export { ANN_MIN_ROWS, annIndexConfig } from './ann.js';

async function openTables(dataDir: string): Promise<IndexTables> {
  const db = await lancedb.connect(path.join(indexDir(dataDir), 'lance'), {}, lanceSession());
  const [chunks, figures, documents] = await Promise.all(['chunks', 'figures', 'documents'].map((t) => db.openTable(t)));
  return { chunks: chunks!, figures: figures!, documents: documents! };
}

export class IndexStore {
  private readonly indexTypes = new IndexTypes();
  /** Tables rolled back when this writer opened the index (an uncommitted run's writes discarded). */
  rolledBack: IndexTableName[] = [];
  private readonly buffer: WriteBuffer;

  private constructor(
    readonly dataDir: string,
    /** Readers: the committed generation they see. Writers: what the next commit publishes. */
    private meta: IndexMeta,
    private readonly tables: IndexTables,
    /** Writers: the generation readers see until the commit (its versions are never cleaned up). */
    private committed?: IndexMeta,
  ) {
    this.buffer = new WriteBuffer(tables, dataDir);
  }

  /** Open the committed generation of an existing index; undefined when there is none yet. */
  static async open(dataDir: string): Promise<IndexStore | undefined> {
    const meta = readIndexMeta(dataDir);
    if (!meta) return undefined;
    const tables = await openTables(dataDir);
    await checkoutGeneration(tables, meta.versions);
    return new IndexStore(dataDir, meta, tables);
  }

  /**
   * Open the index for writing, creating empty tables when there is none (or when
   * `rebuild`). With a model identity the tables get vector columns; an existing index of
   * another model is refused (`index_model_mismatch`), and an existing index without vectors
   * gains empty vector columns (fill them with `setVectors`). Without a model (level 1/2)
   * the tables have no vector columns.
   *
   * The older form `create(dataDir, modelIdOrDir, dim, rebuild)` derives the identity from
   * the model's config.json (directory, or the Hub cache under DATA_DIR).
   *
   * Nothing is visible to readers before `commit()`: a new or rebuilt index keeps the last
   * committed generation (if any) readable until then.
   */
  static async create(dataDir: string, model?: ModelIdentity, rebuild?: boolean): Promise<IndexStore>;
  static async create(dataDir: string, model: string, dim: number, rebuild?: boolean): Promise<IndexStore>;
  static async create(dataDir: string, model?: ModelIdentity | string, dimOrRebuild?: number | boolean, maybeRebuild = false): Promise<IndexStore> {
    const identity = typeof model === 'string' ? identityOfModel(model, dimOrRebuild as number, dataDir) : model;
    const rebuild = typeof model === 'string' ? maybeRebuild : dimOrRebuild === true;
    const committed = readIndexMeta(dataDir);
    if (committed && !rebuild) {
      assertIndexLayout(committed);
      const tables = await openTables(dataDir);
      const existing = new IndexStore(dataDir, committed, tables, committed);
      existing.rolledBack = await rollBackUncommitted(tables, committed.versions);
      if (identity) {
        assertSameModel(existing.meta, { ...identity, ref: typeof model === 'string' ? model : undefined });
        await existing.addVectorColumns(identity);
        // An index written before fingerprints (it recorded a path or an id): record the identity from now on.
        if (!existing.meta.fingerprint && identity.fingerprint) existing.meta = { ...existing.meta, model: identity.id, fingerprint: identity.fingerprint };
      }
      return existing;
    }
    mkdirSync(indexDir(dataDir), { recursive: true });
    const db = await lancedb.connect(path.join(indexDir(dataDir), 'lance'), {}, lanceSession());
    // Overwriting adds a version: readers keep the committed ones until the commit.
    const mode = 'overwrite' as const;
    const dim = identity?.dim;
    const chunks = await db.createEmptyTable('chunks', withVectors(chunkArrowSchema(dim ?? 1), 'chunks', dim), { mode });
    const figures = await db.createEmptyTable('figures', withVectors(figureArrowSchema(dim ?? 1), 'figures', dim), { mode });
    const documents = await db.createEmptyTable('documents', documentArrowSchema(), { mode });
    const meta: IndexMeta = {
      schemaVersion: INDEX_SCHEMA_VERSION,
      ...(identity ? { model: identity.id, dim: identity.dim, ...(identity.fingerprint ? { fingerprint: identity.fingerprint } : {}) } : {}),
      generation: committed?.generation ?? 0,
      updatedAt: new Date().toISOString(),
      // Known roots keep their labels across a rebuild (document ids stay the same).
      roots: committed?.roots ?? {},
    };
    return new IndexStore(dataDir, meta, { chunks, figures, documents }, committed);
  }

  get info(): IndexMeta {
    return this.meta;
  }

  /** True when another process committed since this handle last loaded. */
  hasNewerGeneration(): boolean {
    const latest = readIndexMeta(this.dataDir);
    return latest !== undefined && latest.generation !== this.meta.generation;
  }

  /** Move every table to the latest committed generation. */
  async refresh(): Promise<void> {
    const latest = readIndexMeta(this.dataDir);
    if (latest) this.meta = latest;
    await checkoutGeneration(this.tables, latest?.versions);
  }

  /** Ingest roots by label (see ingest/roots.ts); `setRoots` replaces them at the next commit. */
  get roots(): Record<string, string> {
    return { ...this.meta.roots };
  }

  setRoots(roots: Record<string, string>): void {
    this.meta = { ...this.meta, roots: { ...roots } };
  }

  async documents(): Promise<StoredDocument[]> {
    await this.buffer.flush();
    const rows = await this.tables.documents.query().toArray();
    return rows.map((r) => storedDocumentSchema.parse({ ...r }));
  }

  async loadChunks(): Promise<ChunkRow[]> {
    const rows = await this.tables.chunks.query().toArray();
    return rows.map((r) => ({ ...storedChunkSchema.parse({ ...r }), ...vectorsOf(r, VECTOR_COLUMNS.chunks) }));
  }

  async loadFigures(): Promise<FigureRow[]> {
    const rows = await this.tables.figures.query().toArray();
    return rows.map((r) => {
      const row = storedFigureSchema.parse({ ...r });
      return { ...row, imagePath: path.resolve(this.dataDir, row.imagePath), ...vectorsOf(r, VECTOR_COLUMNS.figures) };
    });
  }

  /** Hashes of every stored figure image some row references (for figure-file garbage collection). */
  async referencedImageHashes(): Promise<Set<string>> {
    await this.buffer.flush();
    const rows = await this.tables.figures.query().select(['imageHash']).toArray();
    return new Set(rows.map((r) => String(r.imageHash)));
  }

  /** Whether the table has vector columns (false for an index built without a model). */
  async hasVectorColumns(table: TableName): Promise<boolean> {
    return (await this.tables[table].schema()).fields.some((f) => f.name === 'vector');
  }

  /**
   * Give an index without vectors empty (null) vector columns for `model` and record the
   * model; published with the next `commit()`. Does nothing when the columns exist.
   */
  async addVectorColumns(model: ModelIdentity): Promise<void> {
    for (const table of ['chunks', 'figures'] as const) {
      const present = new Set((await this.tables[table].schema()).fields.map((f) => f.name));
      const missing = VECTOR_COLUMNS[table].filter((c) => !present.has(c));
      if (missing.length > 0) await this.tables[table].addColumns(missing.map((name) => ({ name, valueSql: `arrow_cast(NULL, '${vectorSqlType(model.dim)}')` })));
    }
    if (this.meta.model === undefined) {
      this.meta = { ...this.meta, model: model.id, dim: model.dim, ...(model.fingerprint ? { fingerprint: model.fingerprint } : {}) };
    }
  }

  /** Ids of rows whose `column` holds no vector yet (what an upgrade from level 2 must embed). */
  async idsWithoutVector(table: TableName, column: VectorColumn = 'vector'): Promise<string[]> {
    await this.buffer.flush();
    if (!(await this.hasVectorColumns(table))) return (await this.tables[table].query().select(['id']).toArray()).map((r) => String(r.id));
    return (await this.tables[table].query().where(`${sqlColumn(column)} IS NULL`).select(['id']).toArray()).map((r) => String(r.id));
  }

  /** Set the vectors of existing rows by id (other columns untouched); absent fields stay as they are. */
  async setVectors(table: TableName, rows: Array<{ id: string; vector?: Float32Array; captionVector?: Float32Array }>): Promise<void> {
    await this.buffer.flush();
    const columns = VECTOR_COLUMNS[table];
    const groups = new Map<string, Array<Record<string, unknown>>>();
    for (const row of rows) {
      const present = columns.filter((c) => row[c] !== undefined);
      if (present.length === 0) continue;
      const key = present.join(',');
      groups.set(key, [...(groups.get(key) ?? []), { id: row.id, ...Object.fromEntries(present.map((c) => [c, Array.from(row[c]!)])) }]);
    }
    for (const batch of groups.values()) await this.tables[table].mergeInsert('id').whenMatchedUpdateAll().execute(batch);
  }

  /** Figure rows without their vectors, for listing (every other column, whatever the layout adds). */
  async listFigures(): Promise<StoredFigure[]> {
    const vectors = new Set(['vector', 'captionVector']);
    const columns = (await this.tables.figures.schema()).fields.map((f) => f.name).filter((name) => !vectors.has(name));
    const rows = await this.tables.figures.query().select(columns).toArray();
    return rows.map((r) => storedFigureSchema.parse({ ...r }));
  }

  /**
   * Insert or replace one document with its chunks and figures. Writes are batched
   * (write-buffer.ts) and reach the tables at the latest with `flush()` or `commit()`;
   * readers see them with the commit. Rows with vectors are refused (here, before anything
   * changes) while the tables have no vector columns.
   */
  async replaceDocument(doc: StoredDocument, chunks: ChunkRow[], figures: FigureRow[]): Promise<void> {
    const vectors = { chunks: await this.hasVectorColumns('chunks'), figures: await this.hasVectorColumns('figures') };
    if ((!vectors.chunks && chunks.some((c) => c.vector)) || (!vectors.figures && figures.some((f) => f.vector || f.captionVector))) {
      throw new Error('The index has no vector columns yet: call addVectorColumns(model) before writing vectors.');
    }
    await this.buffer.replace(doc, chunks, figures, vectors);
  }

  /** Remove a document with its chunks and figures (batched like `replaceDocument`). */
  async removeDocument(docId: string): Promise<void> {
    this.buffer.remove(docId);
  }

  /** Write the batched document changes to the tables (still unpublished until `commit()`). */
  async flush(): Promise<void> {
    await this.buffer.flush();
  }

  /**
   * The rows whose `column` holds no vector yet, with the given other columns (what the
   * embedding upgrade needs: a chunk's text, a figure's image path and caption).
   */
  async rowsWithoutVector(table: TableName, column: VectorColumn, columns: string[]): Promise<Array<Record<string, unknown>>> {
    await this.buffer.flush();
    const select = ['id', ...columns.filter((c) => c !== 'id')];
    const query = this.tables[table].query().select(select);
    const rows = (await this.hasVectorColumns(table)) ? await query.where(`${sqlColumn(column)} IS NULL`).toArray() : await query.toArray();
    return rows.map((r) => ({ ...r }));
  }

  /** Figure rows without a model-written description (what a `--describe-figures` run adds to). */
  async figuresWithoutDescription(): Promise<StoredFigure[]> {
    await this.buffer.flush();
    const vectors = new Set<string>(VECTOR_COLUMNS.figures);
    const columns = (await this.tables.figures.schema()).fields.map((f) => f.name).filter((name) => !vectors.has(name));
    const rows = await this.tables.figures.query().where(`description = ''`).select(columns).toArray();
    return rows.map((r) => storedFigureSchema.parse({ ...r }));
  }

  /** Set figures' description and the searchText that includes it (other columns untouched). */
  async setFigureDescriptions(rows: Array<{ id: string; description: string; searchText: string }>): Promise<void> {
    await this.buffer.flush();
    if (rows.length > 0) await this.tables.figures.mergeInsert('id').whenMatchedUpdateAll().execute(rows.map((r) => ({ ...r })));
  }

  /**
   * Publish what was written as the next generation: compact the tables and delete versions
   * older than the grace period (never the committed generation: readers may still be on
   * it), rebuild the BM25 (and, for large tables, ANN) indexes, then record the table
   * versions in meta.json (`generation` + 1). Throws the lock's reason, publishing nothing,
   * when `signal` was aborted. The older form `commit(annMinRows)` still works.
   */
  async commit(options: CommitOptions | number = {}): Promise<CompactionStats> {
    const { annMinRows = ANN_MIN_ROWS, signal, graceMs = INDEX_VERSION_GRACE_MS } = typeof options === 'number' ? { annMinRows: options } : options;
    await this.buffer.flush();
    signal?.throwIfAborted();
    const compaction = await compactTables(this.tables, this.committed?.versions, graceMs);
    for (const [table, column] of [[this.tables.chunks, 'text'], [this.tables.figures, 'searchText']] as const) {
      if ((await table.countRows()) > 0) await table.createIndex(column, { config: lancedb.Index.fts(), replace: true });
    }
    const annColumns = [['chunks', 'vector'], ['figures', 'vector'], ['figures', 'captionVector']] as const;
    const dim = this.meta.dim;
    for (const [name, column] of annColumns) {
      const table = this.tables[name];
      // IVF-PQ trains on the rows that have a vector.
      if (dim === undefined || !annIndexable(column) || !(await this.hasVectorColumns(name))) continue;
      const rows = await table.countRows(`${sqlColumn(column)} IS NOT NULL`);
      if (rows < annMinRows) continue;
      await table.createIndex(column, { config: annIndexConfig(rows), replace: true });
    }
    signal?.throwIfAborted();
    const latest = readIndexMeta(this.dataDir);
    const versions = await currentVersions(this.tables);
    this.meta = { ...this.meta, schemaVersion: INDEX_SCHEMA_VERSION, generation: (latest?.generation ?? this.meta.generation) + 1, updatedAt: new Date().toISOString(), versions };
    writeFileAtomic(metaPath(this.dataDir), JSON.stringify(this.meta, null, 2));
    this.committed = this.meta;
    this.rolledBack = [];
    return compaction;
  }

  /**
   * BM25 full-text search, best first, with LanceDB's BM25 `_score` (ties by id). Empty when
   * the table has no text index yet. `rowId` addresses the row in this table version (`rows`).
   */
  async fullText(table: TableName, query: string, limit: number): Promise<StoreHit[]> {
    const column = table === 'chunks' ? 'text' : 'searchText';
    return (await this.indexTypes.of(table, this.tables[table])).has(column) ? bm25Hits(this.tables[table], column, query, limit) : [];
  }

  /** The rows (no vector columns) at the given row ids of this table version, in no particular order. */
  async rows<T extends TableName>(table: T, rowIds: bigint[]): Promise<Array<RowOf<T>>> {
    if (rowIds.length === 0) return [];
    const rows = await this.tables[table].takeRowIds(rowIds).select(ROW_COLUMNS[table]).toArray();
    return rows.map((r) => this.rowOf(table, r));
  }

  /** The type of the index on `column` (e.g. 'IvfHnswSq'), or undefined when it has none. */
  async vectorIndexType(table: TableName, column: VectorColumn): Promise<string | undefined> {
    return (await this.indexTypes.of(table, this.tables[table])).get(column);
  }

  async hasVectorIndex(table: TableName, column: VectorColumn): Promise<boolean> {
    const type = await this.vectorIndexType(table, column);
    return type !== undefined && type !== 'FTS';
  }

  /** Whether any row has a vector in `column` (reads until the first one). */
  async hasAnyVector(table: TableName, column: VectorColumn): Promise<boolean> {
    if (!(await this.hasVectorColumns(table))) return false;
    return (await this.tables[table].query().where(`${sqlColumn(column)} IS NOT NULL`).select(['id']).limit(1).toArray()).length > 0;
  }

  /** Rows of a table (all, or those matching a SQL `filter` such as 'vector IS NOT NULL'). */
  async countRows(table: TableName, filter?: string): Promise<number> {
    return this.tables[table].countRows(filter);
  }

  /**
   * Nearest rows to a unit `query` in `column`, best first, score = cosine similarity. Through
   * the column's ANN index when it has one (rows added since it was built are scanned too;
   * see ann.ts for the query plan), else an exact flat scan. `rowId` addresses the row (`rows`).
   */
  async vectorSearch(table: TableName, column: VectorColumn, query: Float32Array, limit: number): Promise<StoreHit[]> {
    return nearestHits(this.tables[table], column, await this.vectorIndexType(table, column), query, limit);
  }

  /** A stored row read back (vector columns excluded), validated; figure paths made absolute. */
  private rowOf<T extends TableName>(table: T, r: Record<string, unknown>): RowOf<T> {
    if (table === 'chunks') return storedChunkSchema.parse({ ...r }) as RowOf<T>;
    const row = storedFigureSchema.parse({ ...r });
    return { ...row, imagePath: path.resolve(this.dataDir, row.imagePath) } as RowOf<T>;
  }

  async close(): Promise<void> {
    for (const t of Object.values(this.tables)) t.close();
  }
}
