/**
 * `ingest(inputs)`: files, directories and URLs → parsed → chunked → figures (normalised,
 * OCR'd) → CLIP-embedded → index. One document at a time: ingest-document.ts.
 *
 * Incremental by content hash: an unchanged document is skipped, a changed one replaces its
 * chunks and figures, `prune` drops documents whose file disappeared. Each document is
 * parsed and embedded completely in memory before anything is written, and written in an
 * order that never loses the previous version (see IndexStore.replaceDocument), so a failed
 * or interrupted run loses nothing already indexed. After a commit, figure files no row
 * references any more are removed (figure-files.ts).
 */
import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../config/env.js';
import type { Logger } from '../../log.js';
import { createEmbedder, type Embedder } from '../embed/embedder.js';
import { IndexStore, indexDir } from '../index/store.js';
import { acquireWriteLock } from '../index/write-lock.js';
import { createOcr, type OcrEngine } from '../ocr/ocr.js';
import { traineddataDir } from '../ocr/traineddata.js';
import { collectFigureGarbage, figuresDir } from './figure-files.js';
import { prepareDocument } from './ingest-document.js';
import { expandInputs, fileOfSource, isUrl } from './sources.js';
import { DocumentSkipped, emptySummary, type IngestSummary } from './summary.js';
import { defaultIngestConcurrency, inInputOrder, runInOrder } from './work-queue.js';

export type { IngestSummary } from './summary.js';
export { figuresDir };

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
  /**
   * Reuse an OCR engine (not closed at the end), or `false` to read no text in images. Default:
   * one engine per run when `config.ocr.enabled`, caching results under DATA_DIR/cache/ocr.
   */
  ocr?: OcrEngine | false;
  /** Documents prepared at once (parse, figures, OCR, embeddings; default: one per core, 2–4); writes stay one at a time, in input order. */
  concurrency?: number;
  /** Row count from which vector columns get an ANN index (default ANN_MIN_ROWS; lower it in tests). */
  annMinRows?: number;
  onProgress?: (progress: { done: number; total: number; source: string }) => void;
}

export interface IngestDeps {
  config: Config;
  logger: Logger;
}

/** The run's OCR engine: the caller's, none, or a new one (languages checked now, workers started on first use). */
function ocrFor(config: Config, option: IngestOptions['ocr']): { engine?: OcrEngine; owned: boolean } {
  if (option === false) return { owned: false };
  if (option) return { engine: option, owned: false };
  if (!config.ocr.enabled) return { owned: false };
  for (const lang of config.ocr.langs.split('+')) traineddataDir(lang); // a missing language package is a clear error up front
  return { engine: createOcr({ langs: config.ocr.langs, cacheDir: path.join(config.dataDir, 'cache', 'ocr') }), owned: true };
}

export async function ingest(inputs: string[], deps: IngestDeps, options: IngestOptions = {}): Promise<IngestSummary> {
  const started = performance.now();
  const { config, logger } = deps;
  const limits = { maxBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES, timeoutMs: options.fetchTimeoutMs ?? DEFAULT_FETCH_TIMEOUT_MS };
  const ocr = ocrFor(config, options.ocr);
  const ocrBefore = ocr.engine ? { ...ocr.engine.stats } : undefined;
  const summary = emptySummary(ocr.engine !== undefined);
  let embedder: Embedder | undefined;
  let store: IndexStore | undefined;
  let release: (() => Promise<void>) | undefined;
  try {
    embedder = options.embedder ?? (await createEmbedder(config.embedding.model, { cacheDir: path.join(config.dataDir, 'cache', 'models') }));
    release = (await acquireWriteLock({ config, logger })).release;
    store = await IndexStore.create(config.dataDir, embedder.modelId, embedder.dim, options.rebuild);
    const known = new Map((await store.documents()).map((d) => [d.docId, d]));
    const { items, problems, unsupported } = expandInputs(inputs, [indexDir(config.dataDir)]);
    for (const p of problems) summary.failures.push(p);
    summary.documents.failed += problems.length;
    for (const u of unsupported) summary.skipped.push(u);
    summary.documents.skipped += unsupported.length;
    summary.considered = items.length;
    const ctx = {
      store,
      embedder,
      dataDir: config.dataDir,
      limits,
      steps: { load: { ...limits, minSidePx: config.figures.minSidePx }, ocr: ocr.engine },
      summary,
    };
    let changed = Boolean(options.rebuild);

    // Several documents prepared at once (parse, figures, OCR, embeddings), written one at a time in input order.
    await runInOrder(
      items,
      { concurrency: options.concurrency ?? defaultIngestConcurrency(os.availableParallelism()) },
      (item) => prepareDocument(item, known.get(item.docId), ctx),
      async (prepared, item, i) => {
        options.onProgress?.({ done: i, total: items.length, source: item.source });
        try {
          if (!prepared.ok) throw prepared.error;
          const outcome = prepared.value === 'unchanged' ? 'unchanged' : await prepared.value.write();
          if (outcome !== 'unchanged') changed = true;
          summary.documents[outcome]++;
        } catch (err) {
          if (err instanceof DocumentSkipped) {
            summary.documents.skipped++;
            summary.skipped.push({ source: item.source, reason: err.message });
            return;
          }
          summary.documents.failed++;
          summary.failures.push({ source: item.source, reason: err instanceof Error ? err.message : String(err) });
          logger.debug({ err, source: item.source }, 'ingest: document failed');
        }
      },
    );
    const sources = items.map((item) => item.source);
    summary.failures = inInputOrder(summary.failures, sources);
    summary.skipped = inInputOrder(summary.skipped, sources);
    summary.warnings = inInputOrder(summary.warnings, sources);
    options.onProgress?.({ done: items.length, total: items.length, source: '' });

    if (options.prune) {
      for (const doc of await store.documents()) {
        if (isUrl(doc.source) || existsSync(fileOfSource(doc.source))) continue;
        await store.removeDocument(doc.docId);
        summary.documents.pruned++;
        changed = true;
      }
    }
    if (changed) {
      await store.commit(options.annMinRows);
      collectFigureGarbage(config.dataDir, await store.referencedImageHashes());
    }
    summary.totalDocuments = (await store.documents()).length;
  } finally {
    if (ocr.engine && ocrBefore) {
      const s = ocr.engine.stats;
      summary.ocr.read = s.recognised - ocrBefore.recognised;
      summary.ocr.cached = s.cached - ocrBefore.cached;
      summary.ocr.ms = Math.round(s.ms - ocrBefore.ms);
    }
    if (ocr.owned) await ocr.engine?.close();
    await store?.close();
    await release?.();
    if (!options.embedder) await embedder?.close();
  }
  summary.ms = Math.round(performance.now() - started);
  logger.info({ documents: summary.documents, chunks: summary.chunks, figures: summary.figures, ocr: summary.ocr, ms: summary.ms }, 'ingest finished');
  return summary;
}
