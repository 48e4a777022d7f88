/**
 * `ingest(inputs)`: files, directories and URLs → parsed → chunked → CLIP-embedded → index.
 *
 * Incremental by content hash: an unchanged document is skipped, a changed one replaces its
 * chunks and figures, `prune` drops documents whose file disappeared. Each document is
 * parsed and embedded completely in memory before anything is written, and written in an
 * order that never loses the previous version (see IndexStore.replaceDocument), so a failed
 * or interrupted run loses nothing already indexed.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config/env.js';
import type { Logger } from '../../log.js';
import { createEmbedder, type Embedder } from '../embed/embedder.js';
import type { StoredDocument } from '../index/schema.js';
import { IndexStore, indexDir, writeFileAtomic, type ChunkRow, type FigureRow } from '../index/store.js';
import { acquireWriteLock } from '../index/write-lock.js';
import { chunkBlocks } from './chunker.js';
import { loadFigure, type LoadedImage } from './figures.js';
import { readDocument } from './read-document.js';
import { expandInputs, fileOfSource, isUrl, type SourceItem } from './sources.js';

export const DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024;
export const DEFAULT_FETCH_TIMEOUT_MS = 20_000;

export interface IngestOptions {
  /** Remove documents whose source file no longer exists. */
  prune?: boolean;
  /** Drop the whole index first (needed after changing EMBEDDING_MODEL). */
  rebuild?: boolean;
  /** Largest file or download accepted (default 50 MB). */
  maxFileBytes?: number;
  /** Time limit of one download (default 20 s). */
  fetchTimeoutMs?: number;
  /** Reuse a loaded embedder (else one is created from config.embedding.model and closed at the end). */
  embedder?: Embedder;
  /** Row count from which vector columns get an ANN index (default ANN_MIN_ROWS; lower it in tests). */
  annMinRows?: number;
  onProgress?: (progress: { done: number; total: number; source: string }) => void;
}

export interface IngestCounts {
  added: number;
  updated: number;
  unchanged: number;
  failed: number;
}

export interface IngestSummary {
  documents: IngestCounts & { pruned: number };
  /** Chunks/figures written this run (added) and kept from unchanged documents (unchanged). */
  chunks: { added: number; unchanged: number };
  figures: { added: number; unchanged: number; failed: number };
  failures: Array<{ source: string; reason: string }>;
  totalDocuments: number;
  ms: number;
}

export interface IngestDeps {
  config: Config;
  logger: Logger;
}

export const figuresDir = (dataDir: string) => path.join(indexDir(dataDir), 'figures');

/** Remove the stored figure folders of `docId` except `keep`. */
function removeFigureDirs(dataDir: string, docId: string, keep?: string): void {
  const root = figuresDir(dataDir);
  if (!existsSync(root)) return;
  for (const name of readdirSync(root)) {
    if (name.startsWith(`${docId}-`) && name !== keep) rmSync(path.join(root, name), { recursive: true, force: true });
  }
}

function uniqueName(name: string, used: Set<string>): string {
  let candidate = name;
  const ext = path.extname(name);
  for (let i = 2; used.has(candidate); i++) candidate = `${name.slice(0, name.length - ext.length)}-${i}${ext}`;
  used.add(candidate);
  return candidate;
}

export async function ingest(inputs: string[], deps: IngestDeps, options: IngestOptions = {}): Promise<IngestSummary> {
  const started = performance.now();
  const { config, logger } = deps;
  const limits = { maxBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, timeoutMs: options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS };
  const embedder = options.embedder ?? (await createEmbedder(config.embedding.model, { cacheDir: path.join(config.dataDir, 'cache', 'models') }));
  const summary: IngestSummary = {
    documents: { added: 0, updated: 0, unchanged: 0, failed: 0, pruned: 0 },
    chunks: { added: 0, unchanged: 0 },
    figures: { added: 0, unchanged: 0, failed: 0 },
    failures: [],
    totalDocuments: 0,
    ms: 0,
  };
  let store: IndexStore | undefined;
  let release: (() => Promise<void>) | undefined;
  try {
    release = (await acquireWriteLock({ config, logger })).release;
    store = await IndexStore.create(config.dataDir, embedder.modelId, embedder.dim, options.rebuild);
    if (options.rebuild) rmSync(figuresDir(config.dataDir), { recursive: true, force: true });
    const known = new Map((await store.documents()).map((d) => [d.docId, d]));
    const { items, problems } = expandInputs(inputs, [indexDir(config.dataDir)]);
    for (const p of problems) summary.failures.push(p);
    summary.documents.failed += problems.length;
    let changed = false;

    for (const [i, item] of items.entries()) {
      options.onProgress?.({ done: i, total: items.length, source: item.source });
      try {
        const outcome = await ingestOne(item, known.get(item.docId), store, embedder, config.dataDir, limits, summary);
        if (outcome !== 'unchanged') changed = true;
        summary.documents[outcome]++;
      } catch (err) {
        summary.documents.failed++;
        summary.failures.push({ source: item.source, reason: err instanceof Error ? err.message : String(err) });
        logger.debug({ err, source: item.source }, 'ingest: document failed');
      }
    }
    options.onProgress?.({ done: items.length, total: items.length, source: '' });

    if (options.prune) {
      for (const doc of await store.documents()) {
        if (isUrl(doc.source) || existsSync(fileOfSource(doc.source))) continue;
        await store.removeDocument(doc.docId);
        removeFigureDirs(config.dataDir, doc.docId);
        summary.documents.pruned++;
        changed = true;
      }
    }
    if (changed) await store.commit(options.annMinRows);
    summary.totalDocuments = (await store.documents()).length;
  } finally {
    await store?.close();
    await release?.();
    if (!options.embedder) await embedder.close();
  }
  summary.ms = Math.round(performance.now() - started);
  logger.info({ documents: summary.documents, chunks: summary.chunks, figures: summary.figures, ms: summary.ms }, 'ingest finished');
  return summary;
}

async function ingestOne(
  item: SourceItem,
  previous: StoredDocument | undefined,
  store: IndexStore,
  embedder: Embedder,
  dataDir: string,
  limits: { maxBytes: number; timeoutMs: number },
  summary: IngestSummary,
): Promise<'added' | 'updated' | 'unchanged'> {
  const { hash, parsed, baseDir, baseUrl } = await readDocument(item, limits);
  if (previous?.hash === hash) {
    summary.chunks.unchanged += previous.chunks;
    summary.figures.unchanged += previous.figures;
    return 'unchanged';
  }
  const drafts = chunkBlocks(parsed.blocks, embedder);
  const loaded: Array<{ n: number; image: LoadedImage; section: string; caption: string; page?: number }> = [];
  for (const [n, figure] of parsed.figures.entries()) {
    try {
      loaded.push({ n, image: await loadFigure(figure.source, { baseDir, baseUrl }, limits), section: figure.section, caption: figure.caption, page: figure.page });
    } catch (err) {
      const ref = 'ref' in figure.source ? figure.source.ref.slice(0, 200) : figure.source.name;
      summary.figures.failed++;
      summary.failures.push({ source: `${item.source} › figure ${ref}`, reason: (err as Error).message });
    }
  }
  if (drafts.length === 0 && loaded.length === 0) throw new Error('no usable text or figures');

  const chunkVectors = await embedder.embedTexts(drafts.map((d) => d.text));
  const imageVectors = await embedder.embedImages(loaded.map((f) => f.image.bytes));
  const captionVectors = await embedder.embedTexts(loaded.map((f) => (f.section ? `${f.section}: ${f.caption}` : f.caption)));

  const rev = hash;
  const figureFolder = `${item.docId}-${hash.slice(0, 8)}`;
  const folderPath = path.join(figuresDir(dataDir), figureFolder);
  mkdirSync(folderPath, { recursive: true });
  const used = new Set<string>();
  const figureRows: FigureRow[] = loaded.map((f, i) => {
    const imagePath = path.join(folderPath, uniqueName(f.image.name, used));
    writeFileAtomic(imagePath, f.image.bytes);
    return {
      id: `${item.docId}#f${f.n}`,
      docId: item.docId,
      rev,
      source: item.source,
      title: parsed.title,
      section: f.section,
      caption: f.caption,
      searchText: [parsed.title, f.section, f.caption].filter(Boolean).join(' › '),
      imagePath,
      width: f.image.width,
      height: f.image.height,
      page: f.page,
      vector: imageVectors[i]!,
      captionVector: captionVectors[i]!,
    };
  });
  const chunkRows: ChunkRow[] = drafts.map((d, n) => ({
    id: `${item.docId}#c${n}`,
    docId: item.docId,
    rev,
    source: item.source,
    title: parsed.title,
    section: d.section,
    text: d.text,
    context: d.context,
    page: d.page,
    vector: chunkVectors[n]!,
  }));
  const doc: StoredDocument = {
    docId: item.docId,
    source: item.source,
    kind: parsed.kind,
    title: parsed.title,
    hash,
    chunks: chunkRows.length,
    figures: figureRows.length,
    ingestedAt: new Date().toISOString(),
  };
  await store.replaceDocument(doc, chunkRows, figureRows);
  removeFigureDirs(dataDir, item.docId, figureFolder);
  summary.chunks.added += chunkRows.length;
  summary.figures.added += figureRows.length;
  return previous ? 'updated' : 'added';
}
