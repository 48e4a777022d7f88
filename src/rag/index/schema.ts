/**
 * What the index stores, validated with zod when it is read back. Three LanceDB tables
 * (chunks, figures, documents) plus `meta.json` (model, dimension, generation counter).
 */
import { Field, FixedSizeList, Float32, Int32, Schema, Utf8 } from 'apache-arrow';
import { z } from 'zod';

/**
 * Bumped when the stored layout changes; an index with another version must be rebuilt.
 * 3: document sources relative to their ingest root (`<root>/<path>`, roots in meta.json),
 * committed table versions pinned in meta.json (readers see whole generations only).
 */
export const INDEX_SCHEMA_VERSION = 3;

/**
 * `model`, `dim` and `fingerprint` identify the embedding model whose vectors the index holds
 * (see embed/identity.ts; `model` is a readable id, never an absolute path since fingerprints
 * exist). All three are absent while the index holds no vectors (built at level 1 or 2).
 */
export const indexMetaSchema = z.object({
  schemaVersion: z.number().int(),
  model: z.string().min(1).optional(),
  dim: z.number().int().positive().optional(),
  fingerprint: z.string().optional(),
  /** Incremented after every committed change; readers reload when it moves. */
  generation: z.number().int().nonnegative(),
  updatedAt: z.string(),
  /**
   * The LanceDB table versions of this generation. Readers check these out, so they see
   * exactly what was committed — never a run in progress or a rebuild half done. Absent
   * in layouts before 3.
   */
  versions: z.object({ chunks: z.number().int().positive(), figures: z.number().int().positive(), documents: z.number().int().positive() }).optional(),
  /**
   * Ingest roots by label (see ingest/roots.ts): where the files of the documents whose
   * `source` starts with `<label>/` were last found. Relative to DATA_DIR when inside it,
   * else absolute. A hint for --prune and for opening a document's file, never part of
   * its identity.
   */
  roots: z.record(z.string(), z.string()).default({}),
});
export type IndexMeta = z.infer<typeof indexMetaSchema>;

const optionalInt = z.number().int().nullish().transform((v) => v ?? undefined);

/** Columns every stored chunk and figure row has: identity, revision and provenance. */
const storedItemBase = z.object({
  id: z.string(),
  docId: z.string(),
  rev: z.string(),
  source: z.string(),
  title: z.string(),
  section: z.string(),
});

export const storedChunkSchema = storedItemBase.extend({
  text: z.string(),
  context: z.string(),
  page: optionalInt,
});

export const storedFigureSchema = storedItemBase.extend({
  caption: z.string(),
  /** Text read from the image by OCR ('' when none or OCR was off). */
  ocrText: z.string(),
  /** Model-written description (level 1; '' when none). */
  description: z.string(),
  /** The column the full-text (BM25) index covers: title › section, caption, OCR text and description. */
  searchText: z.string(),
  /** Stored image file. In memory: absolute; in the table: relative to DATA_DIR (see IndexStore). */
  imagePath: z.string(),
  /** sha256 of the stored (normalised) image bytes: the content address of its file. */
  imageHash: z.string(),
  width: optionalInt,
  height: optionalInt,
  page: optionalInt,
});

export const documentKinds = ['markdown', 'html', 'text', 'pdf', 'image'] as const;
export type DocumentKind = (typeof documentKinds)[number];

export const storedDocumentSchema = z.object({
  docId: z.string(),
  /** `<root label>/<path under the root>` (POSIX) for a local file, or the URL; docId = sha256(source). */
  source: z.string(),
  kind: z.enum(documentKinds),
  title: z.string(),
  /** Content hash (sha256 hex) of the bytes the document was built from. */
  hash: z.string(),
  chunks: z.number().int(),
  figures: z.number().int(),
  ingestedAt: z.string(),
});

export type StoredChunk = z.infer<typeof storedChunkSchema>;
export type StoredFigure = z.infer<typeof storedFigureSchema>;
export type StoredDocument = z.infer<typeof storedDocumentSchema>;

const vectorField = (name: string, dim: number) => new Field(name, new FixedSizeList(dim, new Field('item', new Float32(), true)), false);
const str = (name: string) => new Field(name, new Utf8(), false);
const int = (name: string, nullable = true) => new Field(name, new Int32(), nullable);

export function chunkArrowSchema(dim: number): Schema {
  return new Schema([str('id'), str('docId'), str('rev'), str('source'), str('title'), str('section'), str('text'), str('context'), int('page'), vectorField('vector', dim)]);
}

export function figureArrowSchema(dim: number): Schema {
  return new Schema([
    str('id'), str('docId'), str('rev'), str('source'), str('title'), str('section'), str('caption'), str('ocrText'), str('description'), str('searchText'), str('imagePath'), str('imageHash'),
    int('width'), int('height'), int('page'),
    vectorField('vector', dim),
    vectorField('captionVector', dim),
  ]);
}

export function documentArrowSchema(): Schema {
  return new Schema([str('docId'), str('source'), str('kind'), str('title'), str('hash'), int('chunks', false), int('figures', false), str('ingestedAt')]);
}
