/** What one `ingest` run did: counts, and every failure, skip and warning with its document. */

export interface IngestSummary {
  documents: { added: number; updated: number; unchanged: number; failed: number; skipped: number; pruned: number };
  /** Chunks/figures written this run (added) and kept from unchanged documents (unchanged). */
  chunks: { added: number; unchanged: number };
  figures: { added: number; unchanged: number; failed: number; skipped: number };
  /** OCR this run: images read (figures and scanned pages), results reused from the cache, scanned pages among them, time spent reading. */
  ocr: { enabled: boolean; read: number; cached: number; pages: number; ms: number };
  /** Documents and figures that failed: `source` is the document (› figure), `reason` says why. */
  failures: Array<{ source: string; reason: string }>;
  /** Things a reader sees that were left out on purpose (tiny images, page decoration, unsupported files), with the reason. */
  skipped: Array<{ source: string; reason: string }>;
  /** Notes per document: pages read by OCR, a guessed character set, OCR unavailable… */
  warnings: Array<{ source: string; message: string }>;
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
    failures: [],
    skipped: [],
    warnings: [],
    considered: 0,
    totalDocuments: 0,
    ms: 0,
  };
}

/** A document left out as a whole for a reason that is not a fault (e.g. its only image is an icon). */
export class DocumentSkipped extends Error {
  override readonly name = 'DocumentSkipped';
}
