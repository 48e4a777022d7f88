/**
 * The persistent index: LanceDB tables under `<dataDir>/index/lance` plus `meta.json`.
 *
 * LanceDB commits every write as a new table version (MVCC), so readers in other
 * processes always see a consistent table and a crashed write leaves the previous version
 * intact. A document is replaced in an order that never loses its old rows before the new
 * ones are in: add new rows (tagged with the new content hash `rev`) → delete the rows of
 * other revs → record the document. `meta.json` is replaced atomically (write + rename)
 * and its `generation` tells readers to reload.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import './lance-env.js';
import * as lancedb from '@lancedb/lancedb';
import { UserFacingError } from '../../errors.js';
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

export interface ChunkRow extends StoredChunk {
  vector: Float32Array;
}
export interface FigureRow extends StoredFigure {
  vector: Float32Array;
  captionVector: Float32Array;
}

export type TableName = 'chunks' | 'figures';
export type VectorColumn = 'vector' | 'captionVector';

/**
 * From this many rows on, a vector column gets a LanceDB IVF-PQ (ANN) index at commit and
 * hybrid search uses it. Below it, exact search over the in-memory matrix is both faster and
 * exact (bench/search.ts: LanceDB's flat scan is several times slower than a plain loop here).
 */
export const ANN_MIN_ROWS = 100_000;
/** IVF partitions probed per query, and PQ candidates re-ranked exactly (× limit): recall over speed. */
export const ANN_NPROBES = 40;
export const ANN_REFINE_FACTOR = 40;

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

/** The model check every reader and writer makes: vectors from two models are not comparable. */
export function assertSameModel(meta: IndexMeta, model: string, dim?: number): void {
  if (meta.schemaVersion !== INDEX_SCHEMA_VERSION) {
    throw new UserFacingError('index_outdated', `The index was built by an older mrag-bot (layout ${meta.schemaVersion}, now ${INDEX_SCHEMA_VERSION}): re-ingest with \`mrag ingest --rebuild\`.`);
  }
  if (meta.model !== model || (dim !== undefined && meta.dim !== dim)) {
    throw new UserFacingError(
      'index_model_mismatch',
      `The index was built with ${meta.model} (${meta.dim}-d), configured ${model}${dim !== undefined ? ` (${dim}-d)` : ''}: re-ingest with \`mrag ingest --rebuild <paths>\` or set EMBEDDING_MODEL back.`,
    );
  }
}

const toNull = <T>(v: T | undefined) => (v === undefined ? null : v);

export class IndexStore {
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

  /** Open the index, creating empty tables for `model`/`dim` when there is none (or when `rebuild`). */
  static async create(dataDir: string, model: string, dim: number, rebuild = false): Promise<IndexStore> {
    const existing = rebuild ? undefined : await IndexStore.open(dataDir);
    if (existing) {
      assertSameModel(existing.meta, model, dim);
      return existing;
    }
    mkdirSync(indexDir(dataDir), { recursive: true });
    const db = await lancedb.connect(path.join(indexDir(dataDir), 'lance'));
    const mode = 'overwrite' as const;
    const chunks = await db.createEmptyTable('chunks', chunkArrowSchema(dim), { mode });
    const figures = await db.createEmptyTable('figures', figureArrowSchema(dim), { mode });
    const documents = await db.createEmptyTable('documents', documentArrowSchema(), { mode });
    const previous = readIndexMeta(dataDir)?.generation ?? 0;
    const meta: IndexMeta = { schemaVersion: INDEX_SCHEMA_VERSION, model, dim, generation: previous + 1, updatedAt: new Date().toISOString() };
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
    return rows.map((r) => ({ ...storedChunkSchema.parse({ ...r }), vector: Float32Array.from(r.vector) }));
  }

  async loadFigures(): Promise<FigureRow[]> {
    const rows = await this.tables.figures.query().toArray();
    return rows.map((r) => ({
      ...storedFigureSchema.parse({ ...r }),
      vector: Float32Array.from(r.vector),
      captionVector: Float32Array.from(r.captionVector),
    }));
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
    const same = `docId = '${docId}' AND rev = '${hash}'`;
    const others = `docId = '${docId}' AND rev <> '${hash}'`;
    // Leftovers of an interrupted run with the same rev would otherwise be duplicated.
    await this.tables.chunks.delete(same);
    await this.tables.figures.delete(same);
    if (chunks.length) await this.tables.chunks.add(chunks.map((c) => ({ ...c, page: toNull(c.page), vector: Array.from(c.vector) })));
    if (figures.length) {
      await this.tables.figures.add(
        figures.map((f) => ({
          ...f,
          page: toNull(f.page),
          width: toNull(f.width),
          height: toNull(f.height),
          vector: Array.from(f.vector),
          captionVector: Array.from(f.captionVector),
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
    const annColumns = [[this.tables.chunks, 'vector'], [this.tables.figures, 'vector'], [this.tables.figures, 'captionVector']] as const;
    for (const [table, column] of annColumns) {
      const rows = await table.countRows();
      if (rows < annMinRows) continue;
      const numSubVectors = this.meta.dim % 16 === 0 ? this.meta.dim / 16 : 1;
      await table.createIndex(column, { config: lancedb.Index.ivfPq({ numPartitions: Math.round(Math.sqrt(rows)), numSubVectors, distanceType: 'dot' }), replace: true });
    }
    const latest = readIndexMeta(this.dataDir) ?? this.meta;
    this.meta = { ...this.meta, generation: latest.generation + 1, updatedAt: new Date().toISOString() };
    writeFileAtomic(metaPath(this.dataDir), JSON.stringify(this.meta, null, 2));
  }

  /** BM25 full-text search; ids best first. Empty when the table has no text index yet. */
  async fullText(table: TableName, query: string, limit: number): Promise<string[]> {
    const column = table === 'chunks' ? 'text' : 'searchText';
    const indices = await this.tables[table].listIndices();
    if (!indices.some((i) => i.columns.includes(column))) return [];
    const rows = await this.tables[table].search(query, 'fts', column).select(['id', '_score']).limit(limit).toArray();
    return rows.map((r) => String(r.id));
  }

  async hasVectorIndex(table: TableName, column: VectorColumn): Promise<boolean> {
    return (await this.tables[table].listIndices()).some((i) => i.columns.includes(column) && i.indexType !== 'FTS');
  }

  /** ANN search through the IVF-PQ index (rows added since the index was built are scanned too); ids best first. */
  async vectorSearch(table: TableName, column: VectorColumn, query: Float32Array, limit: number): Promise<string[]> {
    const rows = await this.tables[table].vectorSearch(Array.from(query)).column(column).distanceType('dot').nprobes(ANN_NPROBES).refineFactor(ANN_REFINE_FACTOR).limit(limit).select(['id']).toArray();
    return rows.map((r) => String(r.id));
  }

  async close(): Promise<void> {
    for (const t of Object.values(this.tables)) t.close();
  }
}
