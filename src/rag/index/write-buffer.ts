/**
 * Document writes of one ingest run, batched. Every LanceDB write is a table version with its
 * own small files, and readers never see a run's writes before its commit anyway
 * (generation.ts), so documents are kept in memory and written together: per flush, one
 * delete and one add per table and one upsert of the document rows — instead of several
 * versions per document (a run of 400 small documents made ~2,400 versions and tens of MB of
 * small files before compaction). A flush happens when the buffer holds FLUSH_ROWS rows,
 * and before anything reads the tables or commits.
 */
import type * as lancedb from '@lancedb/lancedb';
import { relativeToDataDir } from './meta.js';
import { toNull, type ChunkRow, type FigureRow } from './rows.js';
import type { StoredDocument } from './schema.js';
import type { IndexTables } from './generation.js';

/** Chunk + figure rows held before a flush: bounded memory (a 512-d vector is ~4 KB as a JS array). */
export const FLUSH_ROWS = 2048;
/** Document ids per `docId IN (…)` filter. */
const IDS_PER_FILTER = 500;

type Row = Record<string, unknown>;

const vec = (v: Float32Array | undefined) => (v ? Array.from(v) : null);

/** Ids are hex digests (sources.ts), quoted defensively all the same. */
const inList = (ids: string[]) => `docId IN (${ids.map((id) => `'${id.replace(/'/g, "''")}'`).join(', ')})`;

export class WriteBuffer {
  /** Documents to write (by docId), with their rows. */
  private readonly documents = new Map<string, { doc: StoredDocument; chunks: Row[]; figures: Row[] }>();
  /** Documents to delete. */
  private readonly removals = new Set<string>();
  private rows = 0;

  constructor(
    private readonly tables: IndexTables,
    private readonly dataDir: string,
  ) {}

  get isEmpty(): boolean {
    return this.documents.size === 0 && this.removals.size === 0;
  }

  /** Queue a document with its rows; `vectors` says which vector columns the tables have. */
  async replace(doc: StoredDocument, chunks: ChunkRow[], figures: FigureRow[], vectors: { chunks: boolean; figures: boolean }): Promise<void> {
    const chunkRows = chunks.map(({ vector, ...c }) => ({ ...c, page: toNull(c.page), ...(vectors.chunks ? { vector: vec(vector) } : {}) }));
    const figureRows = figures.map(({ vector, captionVector, ...f }) => ({
      ...f,
      imagePath: relativeToDataDir(this.dataDir, f.imagePath),
      page: toNull(f.page),
      width: toNull(f.width),
      height: toNull(f.height),
      ...(vectors.figures ? { vector: vec(vector), captionVector: vec(captionVector) } : {}),
    }));
    this.drop(doc.docId);
    this.removals.delete(doc.docId);
    this.documents.set(doc.docId, { doc, chunks: chunkRows, figures: figureRows });
    this.rows += chunkRows.length + figureRows.length;
    if (this.rows >= FLUSH_ROWS) await this.flush();
  }

  /** Queue the removal of a document and its rows. */
  remove(docId: string): void {
    this.drop(docId);
    this.removals.add(docId);
  }

  /** Write everything queued: per table, one delete of the old rows, then one add. */
  async flush(): Promise<void> {
    if (this.isEmpty) return;
    const written = [...this.documents.values()];
    const touched = [...this.documents.keys(), ...this.removals];
    const removed = [...this.removals];
    this.documents.clear();
    this.removals.clear();
    this.rows = 0;
    for (let i = 0; i < touched.length; i += IDS_PER_FILTER) {
      const where = inList(touched.slice(i, i + IDS_PER_FILTER));
      await deleteWhere(this.tables.chunks, where);
      await deleteWhere(this.tables.figures, where);
    }
    const chunks = written.flatMap((w) => w.chunks);
    const figures = written.flatMap((w) => w.figures);
    if (chunks.length) await this.tables.chunks.add(chunks);
    if (figures.length) await this.tables.figures.add(figures);
    for (let i = 0; i < removed.length; i += IDS_PER_FILTER) await deleteWhere(this.tables.documents, inList(removed.slice(i, i + IDS_PER_FILTER)));
    if (written.length) await this.tables.documents.mergeInsert('docId').whenMatchedUpdateAll().whenNotMatchedInsertAll().execute(written.map((w) => ({ ...w.doc })));
  }

  private drop(docId: string): void {
    const queued = this.documents.get(docId);
    if (!queued) return;
    this.rows -= queued.chunks.length + queued.figures.length;
    this.documents.delete(docId);
  }
}

/** Every delete is a table version, even one that matches nothing: delete only what is there. */
async function deleteWhere(table: lancedb.Table, where: string): Promise<void> {
  if ((await table.countRows(where)) > 0) await table.delete(where);
}
