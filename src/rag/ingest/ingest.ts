/**
 * `ingest(inputs)`: files, directories and URLs → parsed → chunked → figures (normalised,
 * OCR'd, described at level 1) → embedded (level 3) → index. One document at a time:
 * ingest-document.ts.
 *
 * The retrieval level decides the model (retrieval-level.ts): with the embedding model
 * every row gets its vectors, and rows already in the index that lack them (an index built
 * at level 2) get them too (embed-step.ts, nothing re-parsed); without it (RETRIEVAL_LEVEL
 * 1 or 2, or `auto` when the model does not load: one warning per process) rows are written
 * without vectors, chunked by the model's tokenizer files or an estimate (token-counter.ts).
 *
 * Incremental by content hash: an unchanged document is skipped, a changed one replaces its
 * chunks and figures, `prune` drops documents whose file disappeared (prune-step.ts).
 * Documents are named relative to their ingest root (roots.ts), never the working directory.
 * Nothing is visible to readers until the commit at the end publishes the run as one
 * generation (index/generation.ts); a run that fails or loses the write lock publishes
 * nothing, and the next run discards what it wrote. After the commit, unreferenced figure
 * files are removed once the grace period has passed (figure-files.ts).
 */
import os from 'node:os';
import path from 'node:path';
import type { Config } from '../../config/env.js';
import type { Logger } from '../../log.js';
import type { Embedder } from '../embed/embedder.js';
import { modelCacheDir } from '../embed/model-files.js';
import { loadTokenCounter } from '../embed/token-counter.js';
import { INDEX_VERSION_GRACE_MS, IndexStore, indexDir } from '../index/store.js';
import { acquireWriteLock, type WriteLock } from '../index/write-lock.js';
import { createOcr, type OcrEngine } from '../ocr/ocr.js';
import { traineddataDir } from '../ocr/traineddata.js';
import { resolveRetrievalLevel, type LevelResolution } from '../retrieval-level.js';
import { createConfiguredFigureDescriber } from './describe-figures.js';
import { describeStoredFigures } from './describe-step.js';
import { embedMissingVectors } from './embed-step.js';
import { collectFigureGarbage, figuresDir } from './figure-files.js';
import { prepareDocument } from './ingest-document.js';
import { pruneMissing } from './prune-step.js';
import { IngestRoots } from './roots.js';
import { expandInputs } from './sources.js';
import { DocumentSkipped, emptySummary, type IngestSummary } from './summary.js';
import { defaultIngestConcurrency, inInputOrder, runInOrder } from './work-queue.js';

export type { IngestSummary } from './summary.js';
export { figuresDir };

export const DEFAULT_MAX_FILE_BYTES = 50 * 1024 * 1024;
export const DEFAULT_FETCH_TIMEOUT_MS = 20_000;

export interface IngestOptions {
  /** Remove documents whose source file no longer exists. */
  prune?: boolean;
  /** Build a new index from the inputs alone (e.g. after changing EMBEDDING_MODEL); readers keep the old one until it is committed. */
  rebuild?: boolean;
  /** Largest file or download accepted (default 50 MB). */
  maxFileBytes?: number;
  /** Time limit of one download (default 20 s). */
  fetchTimeoutMs?: number;
  /**
   * Reuse a loaded embedder (level 3 unless RETRIEVAL_LEVEL is 1 or 2; not closed at the end).
   * Otherwise RETRIEVAL_LEVEL decides: the configured model is loaded (and closed at the end),
   * or the run works without one.
   */
  embedder?: Embedder;
  /**
   * Reuse an OCR engine (not closed at the end), or `false` to read no text in images. Default:
   * one engine per run when `config.ocr.enabled`, caching results under DATA_DIR/cache/ocr.
   */
  ocr?: OcrEngine | false;
  /** Documents prepared at once (parse, figures, OCR, embeddings; default: one per core, 2–4); writes stay one at a time, in input order. */
  concurrency?: number;
  /** Write model descriptions of figures (level 1; `--describe-figures`). Default: config.figures.describe. */
  describeFigures?: boolean;
  /** Row count from which vector columns get an ANN index (default ANN_MIN_ROWS; lower it in tests). */
  annMinRows?: number;
  /** Keep replaced index versions and unreferenced figure files this long for readers (default INDEX_VERSION_GRACE_MS). */
  graceMs?: number;
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
  const graceMs = options.graceMs ?? INDEX_VERSION_GRACE_MS;
  const ocr = ocrFor(config, options.ocr);
  const ocrBefore = ocr.engine ? { ...ocr.engine.stats } : undefined;
  const summary = emptySummary(ocr.engine !== undefined);
  const describer = (options.describeFigures ?? config.figures.describe) ? createConfiguredFigureDescriber(config, logger) : undefined;
  summary.descriptions.enabled = describer !== undefined;
  let resolution: LevelResolution | undefined;
  let store: IndexStore | undefined;
  let lock: WriteLock | undefined;
  try {
    // The model as configured (dtype, mirror, progress), or none: at `auto` a model that does
    // not load is one warning for the whole process, and the run goes on at level 2.
    resolution = await resolveRetrievalLevel({ config, logger, embedder: options.embedder });
    const embedder = resolution.embedder;
    summary.level = resolution.level;
    summary.embeddings.model = embedder?.identity.id;
    const tokens = embedder ?? (await loadTokenCounter(config.embedding.model, modelCacheDir(config.dataDir)));
    lock = await acquireWriteLock({ config, logger });
    store = await IndexStore.create(config.dataDir, embedder?.identity, options.rebuild);
    if (store.rolledBack.length > 0) summary.notices.push('an earlier ingest stopped before committing: its partial changes were discarded');
    const roots = new IngestRoots(config.dataDir, store.roots, config.kbDir);
    const storedRoots = JSON.stringify(store.roots);
    const known = new Map((await store.documents()).map((d) => [d.docId, d]));
    const { items, problems, unsupported } = expandInputs(inputs, { roots, skipDirs: [indexDir(config.dataDir)] });
    for (const p of problems) summary.failures.push(p);
    summary.documents.failed += problems.length;
    for (const u of unsupported) summary.skipped.push(u);
    summary.documents.skipped += unsupported.length;
    summary.considered = items.length;
    const ctx = {
      store,
      embedder,
      tokens,
      dataDir: config.dataDir,
      limits,
      steps: { load: { ...limits, minSidePx: config.figures.minSidePx }, ocr: ocr.engine, describe: describer },
      summary,
    };
    let changed = Boolean(options.rebuild) || store.rolledBack.length > 0;
    const written = new Set<string>();

    // Several documents prepared at once (parse, figures, OCR, embeddings), written one at a time in input order.
    const writeLock = lock;
    await runInOrder(
      items,
      { concurrency: options.concurrency ?? defaultIngestConcurrency(os.availableParallelism()) },
      (item) => {
        writeLock.signal.throwIfAborted();
        return prepareDocument(item, known.get(item.docId), ctx);
      },
      async (prepared, item, i) => {
        writeLock.signal.throwIfAborted(); // a lost lock stops the run (the queue rejects)
        options.onProgress?.({ done: i, total: items.length, source: item.source });
        try {
          if (!prepared.ok) throw prepared.error;
          const outcome = prepared.value === 'unchanged' ? 'unchanged' : await prepared.value.write();
          if (outcome !== 'unchanged') {
            changed = true;
            written.add(item.docId);
          }
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
      const pruned = await pruneMissing(store, roots);
      summary.documents.pruned = pruned.pruned;
      summary.notices.push(...pruned.notices);
      if (pruned.pruned > 0) changed = true;
    }
    lock.signal.throwIfAborted();
    if (embedder) changed = (await upgradeVectors(store, embedder, config.dataDir, summary, logger)) || changed;
    if (describer) {
      const described = await describeStoredFigures(store, describer, config.dataDir, written);
      summary.descriptions.upgraded = described.described;
      for (const file of described.missingFiles) summary.warnings.push({ source: file, message: 'stored figure file missing: not described' });
      if (described.described > 0) changed = true;
    }
    summary.notices.push(...roots.notes);
    const documents = await store.documents();
    store.setRoots(roots.toStored(documents.map((d) => d.source)));
    if (JSON.stringify(store.roots) !== storedRoots) changed = true;
    if (changed) {
      const compaction = await store.commit({ annMinRows: options.annMinRows, signal: lock.signal, graceMs });
      summary.compaction = { versionsRemoved: compaction.versionsRemoved, bytesRemoved: compaction.bytesRemoved };
      collectFigureGarbage(config.dataDir, await store.referencedImageHashes(), { graceMs });
    }
    summary.totalDocuments = documents.length;
  } finally {
    if (ocr.engine && ocrBefore) {
      const s = ocr.engine.stats;
      summary.ocr.read = s.recognised - ocrBefore.recognised;
      summary.ocr.cached = s.cached - ocrBefore.cached;
      summary.ocr.ms = Math.round(s.ms - ocrBefore.ms);
    }
    if (ocr.owned) await ocr.engine?.close();
    if (describer) {
      Object.assign(summary.descriptions, describer.stats);
      summary.descriptions.warnings.push(...describer.warnings);
      describer.close();
    }
    await store?.close();
    await lock?.release();
    if (resolution?.ownsEmbedder) await resolution.embedder?.close();
  }
  summary.ms = Math.round(performance.now() - started);
  logger.info(
    { documents: summary.documents, chunks: summary.chunks, figures: summary.figures, ocr: summary.ocr, retrievalLevel: summary.level, embeddings: summary.embeddings, ms: summary.ms },
    'ingest finished',
  );
  return summary;
}

/** The upgrade to level 3: vectors for the rows that lack them. True when any was added. */
async function upgradeVectors(store: IndexStore, embedder: Embedder, dataDir: string, summary: IngestSummary, logger: Logger): Promise<boolean> {
  const upgrade = await embedMissingVectors(store, embedder, dataDir);
  const added = upgrade.chunks + upgrade.images + upgrade.captions;
  summary.embeddings.upgraded = added;
  summary.embeddings.overlong = upgrade.overlong;
  for (const file of upgrade.unreadable) summary.warnings.push({ source: file, message: 'stored figure file missing or unreadable: no image embedding' });
  if (added > 0) logger.info({ chunks: upgrade.chunks, images: upgrade.images, captions: upgrade.captions }, 'embeddings added to rows that had none (upgrade to level 3)');
  return added > 0;
}
