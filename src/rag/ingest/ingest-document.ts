/**
 * One document through ingest: read + parse → OCR of scanned pages → chunk → figure steps
 * (figure-pipeline.ts) → embed (embed-step.ts; skipped without a model: rows without
 * vectors) → rows → store. Everything is built in memory before anything is written; figure
 * files are stored content-addressed (figure-files.ts).
 */
import type { Embedder } from '../embed/embedder.js';
import { normaliseImage } from '../image/normalise.js';
import type { StoredDocument } from '../index/schema.js';
import type { ChunkRow, FigureRow, IndexStore } from '../index/store.js';
import type { OcrEngine } from '../ocr/ocr.js';
import { chunkBlocks, type TokenCounter } from './chunker.js';
import { figureSearchText } from './describe-step.js';
import { embedDocument } from './embed-step.js';
import { storeFigureFile } from './figure-files.js';
import { prepareFigures, type DocumentNotes, type FigureSteps } from './figure-pipeline.js';
import type { ParsedBlock, ParsedDocument } from './parsed.js';
import { readDocument, type ReadLimits } from './read-document.js';
import type { SourceItem } from './sources.js';
import { DocumentSkipped, type IngestSummary } from './summary.js';

export interface DocumentContext {
  store: IndexStore;
  /** Undefined without a model (levels 1 and 2): rows are written without vectors. */
  embedder?: Embedder;
  /** What windows are measured with: the embedder, or the model's tokenizer / an estimate without it. */
  tokens: TokenCounter;
  dataDir: string;
  limits: ReadLimits;
  steps: FigureSteps;
  summary: IngestSummary;
}

/** Notes of one document, recorded in the summary under its source. */
function notesFor(source: string, summary: IngestSummary): DocumentNotes & { skippedCount: number } {
  const notes = {
    skippedCount: 0,
    failed(what: string, reason: string) {
      summary.figures.failed++;
      summary.failures.push({ source: `${source} › ${what}`, reason });
    },
    skipped(what: string, reason: string) {
      notes.skippedCount++;
      summary.figures.skipped++;
      summary.skipped.push({ source: `${source} › ${what}`, reason });
    },
    warn(message: string) {
      summary.warnings.push({ source, message });
    },
  };
  return notes;
}

/** Text of pages without a text layer, read by OCR; each page says so in the notes. */
async function scannedPageBlocks(parsed: ParsedDocument, ocr: OcrEngine | undefined, notes: DocumentNotes, summary: IngestSummary): Promise<ParsedBlock[]> {
  const blocks: ParsedBlock[] = [];
  for (const { page, image } of parsed.scannedPages ?? []) {
    if (!ocr) {
      notes.warn(`page ${page} has no text layer and OCR is off (OCR_ENABLED=false): its text is not indexed`);
      continue;
    }
    try {
      const result = await ocr.recognize(await normaliseImage(image));
      summary.ocr.pages++;
      if (result.text) blocks.push({ section: `Page ${page}`, text: result.text.replace(/\s+/g, ' ').trim(), page });
      notes.warn(`page ${page} has no text layer: read by OCR (${result.words} words${result.cached ? ', cached' : ''})`);
    } catch (err) {
      notes.warn(`page ${page} has no text layer and OCR failed (${(err as Error).message.split('\n')[0]})`);
    }
  }
  return blocks;
}

const byPage = (a: ParsedBlock, b: ParsedBlock) => (a.page ?? 0) - (b.page ?? 0);

export async function ingestDocument(item: SourceItem, previous: StoredDocument | undefined, ctx: DocumentContext): Promise<'added' | 'updated' | 'unchanged'> {
  const prepared = await prepareDocument(item, previous, ctx);
  return prepared === 'unchanged' ? prepared : prepared.write();
}

/**
 * Everything but the write: read, parse, figures, OCR, embeddings (CPU-bound; several
 * documents may be prepared at once, see work-queue.ts). `write()` stores the rows; call the
 * writes one at a time.
 */
export async function prepareDocument(item: SourceItem, previous: StoredDocument | undefined, ctx: DocumentContext): Promise<'unchanged' | { write(): Promise<'added' | 'updated'> }> {
  const { summary, embedder } = ctx;
  const { hash, parsed, baseDir, baseUrl } = await readDocument(item, ctx.limits, previous?.hash);
  if (previous && (!parsed || previous.hash === hash)) {
    summary.chunks.unchanged += previous.chunks;
    summary.figures.unchanged += previous.figures;
    return 'unchanged';
  }
  if (!parsed) throw new Error('internal: document not parsed');
  const notes = notesFor(item.source, summary);
  for (const message of parsed.warnings ?? []) notes.warn(message);
  for (const s of parsed.skipped ?? []) notes.skipped(s.what, s.reason);

  const ocrBlocks = await scannedPageBlocks(parsed, ctx.steps.ocr, notes, summary);
  const blocks = ocrBlocks.length ? [...parsed.blocks, ...ocrBlocks].sort(byPage) : parsed.blocks;
  const drafts = chunkBlocks(blocks, ctx.tokens);
  const figures = await prepareFigures(parsed, { baseDir, baseUrl }, ctx.steps, notes);
  if (drafts.length === 0 && figures.length === 0) {
    if (notes.skippedCount > 0 && parsed.figures.length + (parsed.skipped?.length ?? 0) === notes.skippedCount) {
      throw new DocumentSkipped('nothing left to index: its only images were skipped (see above)');
    }
    throw new Error('no usable text or figures');
  }

  const vectors = embedder ? await embedDocument(embedder, drafts, figures) : undefined;
  if (vectors) summary.embeddings.computed += drafts.length + 2 * figures.length;
  const rev = hash;
  const figureRows: FigureRow[] = figures.map((f, i) => ({
    id: `${item.docId}#f${f.n}`,
    docId: item.docId,
    rev,
    source: item.source,
    title: parsed.title,
    section: f.section,
    caption: f.caption,
    ocrText: f.ocrText,
    description: f.description,
    searchText: figureSearchText({ title: parsed.title, ...f }),
    imagePath: storeFigureFile(ctx.dataDir, f.image.hash, f.name, f.image.bytes),
    imageHash: f.image.hash,
    width: f.image.width,
    height: f.image.height,
    page: f.page,
    vector: vectors?.images[i],
    captionVector: vectors?.captions[i],
  }));
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
    vector: vectors?.chunks[n],
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
  return {
    async write() {
      await ctx.store.replaceDocument(doc, chunkRows, figureRows);
      summary.chunks.added += chunkRows.length;
      summary.figures.added += figureRows.length;
      return previous ? 'updated' : 'added';
    },
  };
}
