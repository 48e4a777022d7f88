/**
 * The knowledge base: the one entry point the rest of the app uses to search documents and
 * figures (`openKnowledgeBase`) and to make sure there is something to search on a fresh
 * clone (`ensureKnowledgeBase`). Ingest itself lives in ./ingest/ingest.ts.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/env.js';
import { UserFacingError } from '../errors.js';
import type { Logger } from '../log.js';
import { createEmbedder, isLocalModel, type Embedder } from './embed/embedder.js';
import type { StoredDocument } from './index/schema.js';
import { IndexStore, assertSameModel, indexDir, readIndexMeta } from './index/store.js';
import { ingest, type IngestSummary } from './ingest/ingest.js';
import { fileOfSource, isUrl } from './ingest/sources.js';
import { Searcher } from './search/searcher.js';
import type { FigureRecord, Retriever } from './types.js';

export interface KnowledgeBase extends Retriever {
  readonly info: { model: string; dim: number; documents: number; chunks: number; figures: number };
  close(): Promise<void>;
}

export interface KnowledgeBaseDeps {
  config: Config;
  logger: Logger;
  /** Reuse an already loaded embedder (it is then not closed by `close()`). */
  embedder?: Embedder;
}

/** How the configured model is recorded in the index (local directories by absolute path). */
export const modelKey = (model: string) => (isLocalModel(model) ? path.resolve(model) : model);

/** The articles shipped with mrag-bot (data/articles of the checkout or package). */
export const SHIPPED_ARTICLES = fileURLToPath(new URL('../../data/articles', import.meta.url));

/** Open the index under config.dataDir for searching. */
export async function openKnowledgeBase(deps: KnowledgeBaseDeps): Promise<KnowledgeBase> {
  const { config, logger } = deps;
  const meta = readIndexMeta(config.dataDir);
  if (!meta) {
    throw new UserFacingError('index_missing', `There is no index under ${indexDir(config.dataDir)} yet: run \`mrag ingest <files|dirs|urls>\` first.`);
  }
  // Check before loading the model: a mismatch should fail fast, not after a download.
  assertSameModel(meta, modelKey(config.embedding.model));
  const store = await IndexStore.open(config.dataDir);
  if (!store) throw new UserFacingError('index_missing', `The index under ${indexDir(config.dataDir)} disappeared.`);
  const embedder = deps.embedder ?? (await createEmbedder(config.embedding.model, { cacheDir: path.join(config.dataDir, 'cache', 'models') }));
  try {
    assertSameModel(store.info, embedder.modelId, embedder.dim);
    const searcher = new Searcher(store, embedder);
    await searcher.load();
    const documents = (await store.documents()).length;
    logger.info({ model: meta.model, documents, ...searcher.counts }, 'knowledge base opened');
    return {
      get info() {
        return { model: store.info.model, dim: store.info.dim, documents, ...searcher.counts };
      },
      search: (query, options) => searcher.search(query, options),
      async close() {
        await store.close();
        if (!deps.embedder) await embedder.close();
      },
    };
  } catch (err) {
    await store.close();
    if (!deps.embedder) await embedder.close();
    throw err;
  }
}

/**
 * Ingest the shipped data/ articles when no index exists yet (used by `mrag start`).
 * Returns the ingest summary, or undefined when an index was already there.
 */
export async function ensureKnowledgeBase(deps: KnowledgeBaseDeps): Promise<IngestSummary | undefined> {
  const { config, logger } = deps;
  if (readIndexMeta(config.dataDir)) return undefined;
  const local = path.join(config.dataDir, 'articles');
  const articles = existsSync(local) ? local : SHIPPED_ARTICLES;
  logger.info({ articles }, 'no index yet: ingesting the shipped articles');
  const summary = await ingest([articles], deps, { embedder: deps.embedder });
  logger.info({ documents: summary.documents, chunks: summary.chunks, figures: summary.figures }, 'knowledge base ready');
  return summary;
}

/** A document of the index as a catalogue lists it; `file` is the absolute path of a local source. */
export type CatalogDocument = StoredDocument & { file?: string };

/** What the index holds, for browsing (the web chat's knowledge base page). */
export interface Catalog {
  model: string;
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
 * model needed). Undefined when there is no index.
 */
export async function readCatalog(dataDir: string): Promise<Catalog | undefined> {
  const store = await IndexStore.open(dataDir);
  if (!store) return undefined;
  try {
    const [documents, figureRows] = await Promise.all([store.documents(), store.listFigures()]);
    return {
      model: store.info.model,
      generation: store.info.generation,
      updatedAt: store.info.updatedAt,
      documents: documents.map((d) => (isUrl(d.source) ? d : { ...d, file: fileOfSource(d.source) })),
      figures: figureRows.map(({ rev: _r, searchText: _s, ...figure }) => ({
        ...figure,
        imagePath: path.resolve(dataDir, figure.imagePath),
      })),
    };
  } finally {
    await store.close();
  }
}
