/**
 * The rows of the chunks and figures tables as the store reads and writes them, and their
 * optional vector columns (nullable: null = no embedding yet).
 */
import { Field, FixedSizeList, Schema } from 'apache-arrow';
import type { StoredChunk, StoredFigure } from './schema.js';

/** A chunk row; `vector` is absent while the chunk has no embedding (level 1/2 index, or not computed yet). */
export interface ChunkRow extends StoredChunk {
  vector?: Float32Array;
}
/** A figure row; `vector` (pixels) and `captionVector` are absent while not computed. */
export interface FigureRow extends StoredFigure {
  vector?: Float32Array;
  captionVector?: Float32Array;
}

export type TableName = 'chunks' | 'figures';
export type VectorColumn = 'vector' | 'captionVector';

/** The vector columns of each table. */
export const VECTOR_COLUMNS: Record<TableName, VectorColumn[]> = { chunks: ['vector'], figures: ['vector', 'captionVector'] };

/** New vector columns are nullable (null = no embedding yet); the rest of the schema is kept. */
export function withVectors(schema: Schema, table: TableName, dim: number | undefined): Schema {
  const columns = VECTOR_COLUMNS[table] as string[];
  const fields = schema.fields
    .filter((f) => dim !== undefined || !columns.includes(f.name))
    .map((f) => (columns.includes(f.name) ? new Field(f.name, new FixedSizeList(dim!, new Field('item', (f.type as FixedSizeList).children[0]!.type, true)), true) : f));
  return new Schema(fields);
}

export const vectorSqlType = (dim: number) => `FixedSizeList(${dim}, Float32)`;

export const toNull = <T>(v: T | undefined) => (v === undefined ? null : v);

/** The vector columns of a row read back; a null or absent column becomes an absent field. */
export function vectorsOf(row: Record<string, unknown>, columns: VectorColumn[]): Partial<Record<VectorColumn, Float32Array>> {
  const out: Partial<Record<VectorColumn, Float32Array>> = {};
  for (const c of columns) {
    const v = row[c] as ArrayLike<number> | null | undefined;
    if (v !== null && v !== undefined) out[c] = Float32Array.from(v);
  }
  return out;
}
