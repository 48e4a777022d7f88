/**
 * The persistent index: LanceDB tables under `<dataDir>/index/lance` plus `meta.json`.
 *
 * LanceDB commits every write as a new table version (MVCC), so readers in other
 * processes always see a consistent table and a crashed write leaves the previous version
 * intact. A document is replaced in an order that never loses its old rows before the new
 * ones are in: add new rows (tagged with the new content hash `rev`) → delete the rows of
 * other revs → record the document. `meta.json` is replaced atomically (write + rename)
 * and its `generation` tells readers to reload.
 *
 * Vectors are optional. An index built without an embedding model (retrieval level 1 or 2)
 * has no vector columns and no model in `meta.json`; `addVectorColumns` adds them (nullable,
 * null = "no embedding yet") when a model becomes available, and `setVectors` fills them
 * row by row, so nothing is re-parsed. A row without a vector is found by BM25 only.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import './lance-env.js';
import * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Schema } from 'apache-arrow';
import { UserFacingError } from '../../errors.js';
import type { ModelIdentity } from '../embed/identity.js';
import { ANN_MIN_ROWS, annIndexConfig, annIndexable } from './ann.js';
import { IndexTypes, ROW_COLUMNS, bm25Hits, nearestHits, type StoreHit, type TableName } from './lance-read.js';
import { assertIndexLayout, assertSameModel, identityOfModel } from './model-check.js';
import {
  INDEX_SCHEMA_VERSION,
  chunkArrowSchema,
  documentArrowSchema,
  figureArrowSchema,
  indexMetaSchema,
  storedChunkSchema,
  storedDocumentSchema,
  storedFigureSchema,
  type IndexMeta,
  type StoredChunk,
  type StoredDocument,
  type StoredFigure,
} from './schema.js';

export { assertSameModel } from './model-check.js';

/** A chunk row; `vector` is absent while the chunk has no embedding (level 1/2 index, or not computed yet). */
export interface ChunkRow extends StoredChunk {
  vector?: Float32Array;
}
/** A figure row; `vector` (pixels) and `captionVector` are absent while not computed. */
export interface FigureRow extends StoredFigure {
  vector?: Float32Array;
  captionVector?: Float32Array;
}

export type { StoreHit, TableName } from './lance-read.js';
export type VectorColumn = 'vector' | 'captionVector';

/** The vector columns of each table. */
export const VECTOR_COLUMNS: Record<TableName, VectorColumn[]> = { chunks: ['vector'], figures: ['vector', 'captionVector'] };

/** The row type of a table as search returns it (no vector columns). */
export type RowOf<T extends TableName> = T extends 'chunks' ? StoredChunk : StoredFigure;

/** New vector columns are nullable (null = no embedding yet); the rest of the schema is kept. */
function withVectors(schema: Schema, table: TableName, dim: number | undefined): Schema {
  const columns = VECTOR_COLUMNS[table] as string[];
  const fields = schema.fields
    .filter((f) => dim !== undefined || !columns.includes(f.name))
    .map((f) => (columns.includes(f.name) ? new Field(f.name, new FixedSizeList(dim!, new Field('item', (f.type as FixedSizeList).children[0]!.type, true)), true) : f));
  return new Schema(fields);
}

const vectorSqlType = (dim: number) => `FixedSizeList(${dim}, Float32)`;
/** A column name in a LanceDB filter, in backticks: unquoted names are lower-cased (captionVector → captionvector), double quotes make a string. */
const sqlColumn = (column: string) => `\`${column}\``;

export { ANN_MIN_ROWS, annIndexConfig } from './ann.js';
export const indexDir = (dataDir: string) => path.join(dataDir, 'index');
const metaPath = (dataDir: string) => path.join(indexDir(dataDir), 'meta.json');

/** Write a file so that readers see either the old or the new content, never half. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

export function readIndexMeta(dataDir: string): IndexMeta | undefined {
  const file = metaPath(dataDir);
  if (!existsSync(file)) return undefined;
  const parsed = indexMetaSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new UserFacingError('index_corrupt', `The index metadata ${file} is unreadable: delete ${indexDir(dataDir)} and re-ingest.`);
  return parsed.data;
}

const toNull = <T>(v: T | undefined) => (v === undefined ? null : v);

/** The vector columns of a row read back; a null or absent column becomes an absent field. */
function vectorsOf(row: Record<string, unknown>, columns: VectorColumn[]): Partial<Record<VectorColumn, Float32Array>> {
  const out: Partial<Record<VectorColumn, Float32Array>> = {};
  for (const c of columns) {
    const v = row[c] as ArrayLike<number> | null | undefined;
    if (v !== null && v !== undefined) out[c] = Float32Array.from(v);
  }
  return out;
}
/** Figure files are recorded relative to DATA_DIR (POSIX separators) so that an index can move with its data. */
const relativeToData = (dataDir: string, file: string) => {
  const rel = path.relative(path.resolve(dataDir), file);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
};

export class IndexStore {
  private readonly indexTypes = new IndexTypes();

  private constructor(
    readonly dataDir: string,
    private meta: IndexMeta,
    private readonly tables: { chunks: lancedb.Table; figures: lancedb.Table; documents: lancedb.Table },
  ) {}

  /** Open an existing index; undefined when there is none yet. */
  static async open(dataDir: string): Promise<IndexStore | undefined> {
    const meta = readIndexMeta(dataDir);
    if (!meta) return undefined;
    const db = await lancedb.connect(path.join(indexDir(dataDir), 'lance'));
    const [chunks, figures, documents] = await Promise.all(['chunks', 'figures', 'documents'].map((t) => db.openTable(t)));
    return new IndexStore(dataDir, meta, { chunks: chunks!, figures: figures!, documents: documents! });
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
   */
  static async create(dataDir: string, model?: ModelIdentity, rebuild?: boolean): Promise<IndexStore>;
  static async create(dataDir: string, model: string, dim: number, rebuild?: boolean): Promise<IndexStore>;
  static async create(dataDir: string, model?: ModelIdentity | string, dimOrRebuild?: number | boolean, maybeRebuild = false): Promise<IndexStore> {
    const identity = typeof model === 'string' ? identityOfModel(model, dimOrRebuild as number, dataDir) : model;
    const rebuild = typeof model === 'string' ? maybeRebuild : dimOrRebuild === true;
    const existing = rebuild ? undefined : await IndexStore.open(dataDir);
    if (existing) {
      assertIndexLayout(existing.meta);
      if (identity) {
        assertSameModel(existing.meta, { ...identity, ref: typeof model === 'string' ? model : undefined });
        await existing.addVectorColumns(identity);
        // An index written before fingerprints (it recorded a path or an id): record the identity from now on.
        if (!existing.meta.fingerprint && identity.fingerprint) existing.meta = { ...existing.meta, model: identity.id, fingerprint: identity.fingerprint };
      }
      return existing;
    }
    mkdirSync(indexDir(dataDir), { recursive: true });
    const db = await lancedb.connect(path.join(indexDir(dataDir), 'lance'));
    const mode = 'overwrite' as const;
    const dim = identity?.dim;
    const chunks = await db.createEmptyTable('chunks', withVectors(chunkArrowSchema(dim ?? 1), 'chunks', dim), { mode });
    const figures = await db.createEmptyTable('figures', withVectors(figureArrowSchema(dim ?? 1), 'figures', dim), { mode });
    const documents = await db.createEmptyTable('documents', documentArrowSchema(), { mode });
    const previous = readIndexMeta(dataDir)?.generation ?? 0;
    const meta: IndexMeta = {
      schemaVersion: INDEX_SCHEMA_VERSION,
      ...(identity ? { model: identity.id, dim: identity.dim, ...(identity.fingerprint ? { fingerprint: identity.fingerprint } : {}) } : {}),
      generation: previous + 1,
      updatedAt: new Date().toISOString(),
    };
    writeFileAtomic(metaPath(dataDir), JSON.stringify(meta, null, 2));
    return new IndexStore(dataDir, meta, { chunks, figures, documents });
  }

  get info(): IndexMeta {
    return this.meta;
  }

  /** True when another process committed since this handle last loaded. */
  hasNewerGeneration(): boolean {
    const latest = readIndexMeta(this.dataDir);
    return latest !== undefined && latest.generation !== this.meta.generation;
  }

  /** Move every table to its latest committed version. */
  async refresh(): Promise<void> {
    const latest = readIndexMeta(this.dataDir);
    if (latest) this.meta = latest;
    await Promise.all(Object.values(this.tables).map((t) => t.checkoutLatest()));
  }

  async documents(): Promise<StoredDocument[]> {
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
    if (!(await this.hasVectorColumns(table))) return (await this.tables[table].query().select(['id']).toArray()).map((r) => String(r.id));
    return (await this.tables[table].query().where(`${sqlColumn(column)} IS NULL`).select(['id']).toArray()).map((r) => String(r.id));
  }

  /** Set the vectors of existing rows by id (other columns untouched); absent fields stay as they are. */
  async setVectors(table: TableName, rows: Array<{ id: string; vector?: Float32Array; captionVector?: Float32Array }>): Promise<void> {
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

  /** Insert or replace one document with its chunks and figures (see the ordering note above). */
  async replaceDocument(doc: StoredDocument, chunks: ChunkRow[], figures: FigureRow[]): Promise<void> {
    const { docId, hash } = doc;
    // Checked before anything is deleted: a refused write leaves the document as it was.
    const chunkVectors = await this.hasVectorColumns('chunks');
    const figureVectors = await this.hasVectorColumns('figures');
    if ((!chunkVectors && chunks.some((c) => c.vector)) || (!figureVectors && figures.some((f) => f.vector || f.captionVector))) {
      throw new Error('The index has no vector columns yet: call addVectorColumns(model) before writing vectors.');
    }
    const same = `docId = '${docId}' AND rev = '${hash}'`;
    const others = `docId = '${docId}' AND rev <> '${hash}'`;
    // Leftovers of an interrupted run with the same rev would otherwise be duplicated.
    await this.tables.chunks.delete(same);
    await this.tables.figures.delete(same);
    const vec = (v: Float32Array | undefined) => (v ? Array.from(v) : null);
    if (chunks.length) {
      await this.tables.chunks.add(chunks.map(({ vector, ...c }) => ({ ...c, page: toNull(c.page), ...(chunkVectors ? { vector: vec(vector) } : {}) })));
    }
    if (figures.length) {
      await this.tables.figures.add(
        figures.map(({ vector, captionVector, ...f }) => ({
          ...f,
          imagePath: relativeToData(this.dataDir, f.imagePath),
          page: toNull(f.page),
          width: toNull(f.width),
          height: toNull(f.height),
          ...(figureVectors ? { vector: vec(vector), captionVector: vec(captionVector) } : {}),
        })),
      );
    }
    await this.tables.chunks.delete(others);
    await this.tables.figures.delete(others);
    await this.tables.documents.mergeInsert('docId').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute([{ ...doc }]);
  }

  async removeDocument(docId: string): Promise<void> {
    await this.tables.chunks.delete(`docId = '${docId}'`);
    await this.tables.figures.delete(`docId = '${docId}'`);
    await this.tables.documents.delete(`docId = '${docId}'`);
  }

  /** Rebuild the BM25 indexes and publish the change to readers (bump `generation`). */
  async commit(annMinRows = ANN_MIN_ROWS): Promise<void> {
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
    const latest = readIndexMeta(this.dataDir) ?? this.meta;
    this.meta = { ...this.meta, generation: latest.generation + 1, updatedAt: new Date().toISOString() };
    writeFileAtomic(metaPath(this.dataDir), JSON.stringify(this.meta, null, 2));
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
