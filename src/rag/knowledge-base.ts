/**
 * The knowledge base: the one entry point the rest of the app uses to search documents and
 * figures (`openKnowledgeBase`) and to make sure there is something to search on a fresh
 * clone (`ensureKnowledgeBase`). Ingest itself lives in ./ingest/ingest.ts.
 *
 * It opens at the retrieval level RETRIEVAL_LEVEL resolves to (retrieval-level.ts): level 3
 * with the embedding model, level 2 (BM25 over chunks and figure text, no model) without
 * it, level 1 on request. An index without vectors is searched at level 2.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/env.js';
import { UserFacingError } from '../errors.js';
import type { Logger } from '../log.js';
import type { DownloadProgress } from './embed/download-progress.js';
import type { Embedder } from './embed/embedder.js';
import { readModelConfig } from './embed/identity.js';
import { locateModel, modelCacheDir } from './embed/model-files.js';
import { assertIndexLayout, assertSameModel } from './index/model-check.js';
import type { IndexMeta, StoredDocument } from './index/schema.js';
import { IndexStore, indexDir, readIndexMeta } from './index/store.js';
import { ingest, type IngestSummary } from './ingest/ingest.js';
import { resolveRetrievalLevel } from './retrieval-level.js';
import { IngestRoots } from './ingest/roots.js';
import { Searcher } from './search/searcher.js';
import type { FigureRecord, Retriever, RetrievalLevel } from './types.js';

export interface KnowledgeBaseInfo {
  /** The embedding model the index's vectors came from; absent while it has none. */
  model?: string;
  dim?: number;
  documents: number;
  chunks: number;
  figures: number;
  /** The level searches run at now. */
  level: RetrievalLevel;
}

export interface KnowledgeBase extends Retriever {
  readonly info: KnowledgeBaseInfo;
  /** The level searches run at now: 3 with the model and an index with vectors, else 2 (or 1 when configured). */
  readonly level: RetrievalLevel;
  /** The loaded embedding model (level 3), e.g. for ingest in the same process. */
  readonly embedder?: Embedder;
  /** BM25 only over the same index (level 2), whatever the configured level: the eval baseline. */
  readonly bm25: Retriever;
  close(): Promise<void>;
}

export interface KnowledgeBaseDeps {
  config: Config;
  logger: Logger;
  /** Reuse an already loaded embedder (it is then not closed by `close()`). */
  embedder?: Embedder;
  /** Progress of a first-run model download (default: a bar on a terminal, log lines otherwise). */
  onModelProgress?: (progress: DownloadProgress) => void;
}

/** The articles shipped with mrag-bot (data/articles of the checkout or package). */
export const SHIPPED_ARTICLES = fileURLToPath(new URL('../../data/articles', import.meta.url));

/**
 * Before any download: refuse at once when the configured model's files are on disk (a
 * directory, or the Hub cache) and their config differs from the one the index recorded.
 */
function precheckModel(meta: IndexMeta, config: Config): void {
  if (meta.model === undefined || config.retrieval.level === 1 || config.retrieval.level === 2) return;
  const location = locateModel(config.embedding.model, modelCacheDir(config.dataDir));
  const local = readModelConfig(location.dir);
  if (!local || !meta.fingerprint) return;
  assertSameModel(meta, { id: location.kind === 'hub' ? location.ref : path.basename(location.dir), fingerprint: local.fingerprint }, config.embedding.model);
}

/** Open the index under config.dataDir for searching, at the configured retrieval level. */
export async function openKnowledgeBase(deps: KnowledgeBaseDeps): Promise<KnowledgeBase> {
  const { config, logger } = deps;
  const meta = readIndexMeta(config.dataDir);
  if (!meta) {
    throw new UserFacingError('index_missing', `There is no index under ${indexDir(config.dataDir)} yet: run \`mrag ingest <files|dirs|urls>\` first.`);
  }
  assertIndexLayout(meta);
  precheckModel(meta, config);
  const resolution = await resolveRetrievalLevel({ config, logger, embedder: deps.embedder, onProgress: deps.onModelProgress });
  const { embedder } = resolution;
  const closeEmbedder = async () => {
    if (resolution.ownsEmbedder) await embedder?.close();
  };
  let store: IndexStore | undefined;
  try {
    if (embedder) assertSameModel(meta, { ...embedder.identity, ref: embedder.modelId }, config.embedding.model);
    store = await IndexStore.open(config.dataDir);
    if (!store) throw new UserFacingError('index_missing', `The index under ${indexDir(config.dataDir)} disappeared.`);
    const searcher = new Searcher(store, embedder, { level: resolution.level });
    await searcher.load();
    const baseline = resolution.level === 3 ? new Searcher(store, undefined, { level: 2 }) : searcher;
    const documents = (await store.documents()).length;
    if (resolution.level === 3 && searcher.level !== 3) {
      logger.info('the index has no embeddings yet: searching at level 2 until `mrag ingest` adds them');
    }
    logger.info({ model: meta.model, retrievalLevel: searcher.level, documents, ...searcher.counts }, 'knowledge base opened');
    const opened = store;
    return {
      get info() {
        return { model: opened.info.model, dim: opened.info.dim, documents, ...searcher.counts, level: searcher.level };
      },
      get level() {
        return searcher.level;
      },
      embedder,
      bm25: { search: (query, options) => baseline.search(query, options) },
      search: (query, options) => searcher.search(query, options),
      async close() {
        await opened.close();
        await closeEmbedder();
      },
    };
  } catch (err) {
    await store?.close();
    await closeEmbedder();
    throw err;
  }
}

/** True when the index has rows without embeddings (built at level 2, or written while the model was missing). */
async function lacksEmbeddings(dataDir: string): Promise<boolean> {
  const store = await IndexStore.open(dataDir);
  if (!store) return false;
  try {
    assertIndexLayout(store.info);
    for (const [table, column] of [['chunks', 'vector'], ['figures', 'vector'], ['figures', 'captionVector']] as const) {
      if ((await store.idsWithoutVector(table, column)).length > 0) return true;
    }
    return false;
  } catch {
    return false; // an index of an older layout: openKnowledgeBase says what to do
  } finally {
    await store.close();
  }
}

/** `mrag start` on an index that lacks embeddings, once the model loads: add them (nothing re-parsed). */
async function completeEmbeddings(deps: KnowledgeBaseDeps): Promise<IngestSummary | undefined> {
  const { config, logger } = deps;
  if (config.retrieval.level === 1 || config.retrieval.level === 2 || !(await lacksEmbeddings(config.dataDir))) return undefined;
  const resolution = await resolveRetrievalLevel({ config, logger, embedder: deps.embedder, onProgress: deps.onModelProgress });
  if (!resolution.embedder) return undefined;
  try {
    logger.info('the index lacks embeddings and the model is here: adding them (nothing is re-parsed)');
    const summary = await ingest([], deps, { embedder: resolution.embedder });
    logger.info({ embeddings: summary.embeddings, retrievalLevel: summary.level }, 'knowledge base ready');
    return summary;
  } catch (err) {
    // Another ingest is writing (it adds them too), or the index needs a rebuild: answer from what is there.
    logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'could not add the missing embeddings now; run `mrag ingest` later');
    return undefined;
  } finally {
    if (resolution.ownsEmbedder) await resolution.embedder?.close();
  }
}

/**
 * Ingest the shipped data/ articles when no index exists yet (used by `mrag start`); on an
 * existing index that lacks embeddings (built offline at level 2), add them once the model
 * loads. Returns the ingest summary, or undefined when there was nothing to do.
 */
export async function ensureKnowledgeBase(deps: KnowledgeBaseDeps): Promise<IngestSummary | undefined> {
  const { config, logger } = deps;
  if (readIndexMeta(config.dataDir)) return completeEmbeddings(deps);
  const local = path.join(config.dataDir, 'articles');
  const articles = existsSync(local) ? local : SHIPPED_ARTICLES;
  logger.info({ articles }, 'no index yet: ingesting the shipped articles');
  // The configured model (dtype, mirror, download progress), or none at levels 1/2 and when
  // `auto` could not load it (one warning, shared with openKnowledgeBase in this process).
  const resolution = await resolveRetrievalLevel({ config, logger, embedder: deps.embedder, onProgress: deps.onModelProgress });
  try {
    // Without a model (levels 1/2, or `auto` that could not load it) ingest skips the
    // embeddings; the failed load is remembered, so there is no second attempt or warning.
    const summary = await ingest([articles], deps, { embedder: resolution.embedder });
    for (const notice of summary.notices) logger.warn(notice);
    logger.info({ documents: summary.documents, chunks: summary.chunks, figures: summary.figures, retrievalLevel: summary.level }, 'knowledge base ready');
    return summary;
  } finally {
    if (resolution.ownsEmbedder) await resolution.embedder?.close();
  }
}

/** A document of the index as a catalogue lists it; `file` is the absolute path of a local source. */
export type CatalogDocument = StoredDocument & { file?: string };

/** What the index holds, for browsing (the web chat's knowledge base page). */
export interface Catalog {
  /** The embedding model of the index's vectors; absent while it has none (built at level 2). */
  model?: string;
  /** Changes whenever an ingest commits (see `indexGeneration`). */
  generation: number;
  updatedAt: string;
  documents: CatalogDocument[];
  /** Every figure, `imagePath` absolute. */
  figures: FigureRecord[];
}

/** The index's current generation, or undefined when there is no index under `dataDir`. */
export const indexGeneration = (dataDir: string): number | undefined => readIndexMeta(dataDir)?.generation;

/**
 * Read the documents and figures of the index under `dataDir` (read-only; no embedding
 * model needed). Undefined when there is no index. A local document's `file` is found
 * through its ingest root (`kbDir`: KB_DIR here, for documents ingested from KB_DIR
 * elsewhere; other roots where the index last saw them).
 */
export async function readCatalog(dataDir: string, options: { kbDir?: string } = {}): Promise<Catalog | undefined> {
  const store = await IndexStore.open(dataDir);
  if (!store) return undefined;
  try {
    const [documents, figureRows] = await Promise.all([store.documents(), store.listFigures()]);
    const roots = new IngestRoots(dataDir, store.roots, options.kbDir);
    return {
      model: store.info.model,
      generation: store.info.generation,
      updatedAt: store.info.updatedAt,
      documents: documents.map((d) => {
        const file = roots.fileOf(d.source);
        return file ? { ...d, file } : d;
      }),
      figures: figureRows.map(({ rev: _r, searchText: _s, ...figure }) => ({
        ...figure,
        imagePath: path.resolve(dataDir, figure.imagePath),
      })),
    };
  } finally {
    await store.close();
  }
}
