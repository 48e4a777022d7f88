/** What one `ingest` run did: counts, and every failure, skip and warning with its document. */
import type { RetrievalLevel } from '../types.js';

export interface IngestSummary {
  documents: { added: number; updated: number; unchanged: number; failed: number; skipped: number; pruned: number };
  /** Chunks/figures written this run (added) and kept from unchanged documents (unchanged). */
  chunks: { added: number; unchanged: number };
  figures: { added: number; unchanged: number; failed: number; skipped: number };
  /** OCR this run: images read (figures and scanned pages), results reused from the cache, scanned pages among them, time spent reading. */
  ocr: { enabled: boolean; read: number; cached: number; pages: number; ms: number };
  /**
   * The retrieval level the run worked at: 3 = with the embedding model (vectors computed),
   * 1 or 2 = without (rows written without vectors; a later run with the model adds them).
   */
  level: RetrievalLevel;
  /**
   * Embeddings this run: `computed` for the documents written (chunk texts, figure images and
   * captions), `upgraded` for rows already in the index that had none (the upgrade from level
   * 2: nothing re-parsed), `overlong` chunks longer than the model's window (embedded as the
   * mean of their windows). `model` is the embedding model's id at level 3.
   */
  embeddings: { model?: string; computed: number; upgraded: number; overlong: number };
  /**
   * Figure descriptions (level 1; `enabled` by --describe-figures, FIGURE_DESCRIPTIONS or
   * RETRIEVAL_LEVEL=1): written by the model, taken from the cache, skipped (the model was
   * unavailable), failed; `upgraded` = figures of unchanged documents that gained one;
   * `warnings`: the describer's (already logged), e.g. Ollama unreachable.
   */
  descriptions: { enabled: boolean; described: number; cached: number; skipped: number; failed: number; upgraded: number; warnings: string[] };
  /** The index after the commit: versions removed by compaction (older than the grace period), bytes freed. */
  compaction: { versionsRemoved: number; bytesRemoved: number };
  /** Documents and figures that failed: `source` is the document (› figure), `reason` says why. */
  failures: Array<{ source: string; reason: string }>;
  /** Things a reader sees that were left out on purpose (tiny images, page decoration, unsupported files), with the reason. */
  skipped: Array<{ source: string; reason: string }>;
  /** Notes per document: pages read by OCR, a guessed character set, OCR unavailable… */
  warnings: Array<{ source: string; message: string }>;
  /** Notes about the run as a whole (not logged): a moved documents folder, documents --prune kept, an interrupted run discarded… */
  notices: string[];
  /** Supported documents found in the inputs (0 = nothing to ingest: the CLI exits non-zero). */
  considered: number;
  totalDocuments: number;
  ms: number;
}

export function emptySummary(ocrEnabled: boolean): IngestSummary {
  return {
    documents: { added: 0, updated: 0, unchanged: 0, failed: 0, skipped: 0, pruned: 0 },
    chunks: { added: 0, unchanged: 0 },
    figures: { added: 0, unchanged: 0, failed: 0, skipped: 0 },
    ocr: { enabled: ocrEnabled, read: 0, cached: 0, pages: 0, ms: 0 },
    level: 3,
    embeddings: { computed: 0, upgraded: 0, overlong: 0 },
    descriptions: { enabled: false, described: 0, cached: 0, skipped: 0, failed: 0, upgraded: 0, warnings: [] },
    compaction: { versionsRemoved: 0, bytesRemoved: 0 },
    failures: [],
    skipped: [],
    warnings: [],
    notices: [],
    considered: 0,
    totalDocuments: 0,
    ms: 0,
  };
}

/** A document left out as a whole for a reason that is not a fault (e.g. its only image is an icon). */
export class DocumentSkipped extends Error {
  override readonly name = 'DocumentSkipped';
}
