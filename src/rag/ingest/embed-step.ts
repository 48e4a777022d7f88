/**
 * The embedding step of ingest, kept apart from parsing and figure work so that it can be
 * skipped (an index without vectors, retrieval levels 1 and 2) or run later for the rows
 * that lack vectors (`embedMissingVectors`: the upgrade to level 3, nothing re-parsed):
 * text windows → text vectors; figure pixels → image vectors; figure text (section: caption,
 * else the OCR text) → text vectors in the same space.
 *
 * A chunk longer than the model's window (chunked without the model's tokenizer, see
 * embed/token-counter.ts) is never cut: it is embedded as the normalised mean of the
 * vectors of its windows.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Embedder } from '../embed/embedder.js';
import { meanVector } from '../embed/vector.js';
import type { IndexStore } from '../index/store.js';
import { chunkBlocks, type ChunkDraft } from './chunker.js';
import type { FigureDraft } from './figure-pipeline.js';

export interface DocumentVectors {
  /** One per chunk draft, in order. */
  chunks: Float32Array[];
  /** One per figure draft: the image embedding. */
  images: Float32Array[];
  /** One per figure draft: the embedding of its caption text. */
  captions: Float32Array[];
}

/** The text a figure's caption vector is made from (the tokenizer truncates to the window). */
export function captionText(f: Pick<FigureDraft, 'section' | 'caption' | 'ocrText'>): string {
  const text = f.caption || f.ocrText.replace(/\s+/g, ' ').trim();
  return f.section ? `${f.section}: ${text}` : text;
}

/**
 * One vector per chunk text; a text over the model's window is split into windows (the
 * chunker's, with the model's tokenizer) and gets the mean of their vectors. `overlong`
 * counts those.
 */
export async function embedChunkTexts(embedder: Embedder, texts: string[]): Promise<{ vectors: Float32Array[]; overlong: number }> {
  const budget = embedder.maxTokens - 2; // start and end tokens
  const windows = texts.map((text) => (embedder.countTokens(text) <= budget ? [text] : chunkBlocks([{ section: '', text }], embedder).map((d) => d.text)));
  const flat = await embedder.embedTexts(windows.flat());
  const vectors: Float32Array[] = [];
  let at = 0;
  for (const w of windows) {
    const own = flat.slice(at, at + w.length);
    at += w.length;
    vectors.push(own.length === 1 ? own[0]! : meanVector(own));
  }
  return { vectors, overlong: windows.filter((w) => w.length > 1).length };
}

export async function embedDocument(embedder: Embedder, chunks: ChunkDraft[], figures: FigureDraft[]): Promise<DocumentVectors> {
  return {
    chunks: (await embedChunkTexts(embedder, chunks.map((d) => d.text))).vectors,
    images: await embedder.embedImages(figures.map((f) => f.image.bytes)),
    captions: await embedder.embedTexts(figures.map(captionText)),
  };
}

export interface UpgradeResult {
  /** Vectors added to rows that had none: chunk texts, figure images, figure captions. */
  chunks: number;
  images: number;
  captions: number;
  /** Chunks longer than the model's window (embedded as the mean of their windows). */
  overlong: number;
  /** Stored figure files that are missing or do not decode (their image vector stays empty). */
  unreadable: string[];
}

/** Image vectors for a batch; when the batch fails (an undecodable file), one by one, reporting the failures. */
async function embedImagesEach<T extends { id: string; bytes: Uint8Array }>(embedder: Embedder, items: T[], failed: (item: T) => void): Promise<Array<{ id: string; vector: Float32Array }>> {
  try {
    const vectors = await embedder.embedImages(items.map((f) => f.bytes));
    return items.map((f, i) => ({ id: f.id, vector: vectors[i]! }));
  } catch {
    const rows: Array<{ id: string; vector: Float32Array }> = [];
    for (const item of items) {
      try {
        rows.push({ id: item.id, vector: (await embedder.embedImages([item.bytes]))[0]! });
      } catch {
        failed(item);
      }
    }
    return rows;
  }
}

/** Rows per batch of the upgrade: bounded memory, and progress in the log. */
const UPGRADE_BATCH = 256;

async function inBatches<T>(rows: T[], fn: (batch: T[]) => Promise<void>): Promise<void> {
  for (let i = 0; i < rows.length; i += UPGRADE_BATCH) await fn(rows.slice(i, i + UPGRADE_BATCH));
}

/**
 * Embed every row of the index that has no vector yet (an index built at level 2, rows
 * written while the model was unavailable), from what the index stores: chunk text, the
 * stored figure file, the figure's caption. Nothing is re-parsed; published with the next
 * commit. The store must have vector columns for `embedder`'s model (IndexStore.create with
 * its identity adds them).
 */
export async function embedMissingVectors(store: IndexStore, embedder: Embedder, dataDir: string): Promise<UpgradeResult> {
  const result: UpgradeResult = { chunks: 0, images: 0, captions: 0, overlong: 0, unreadable: [] };
  const chunks = await store.rowsWithoutVector('chunks', 'vector', ['text']);
  await inBatches(chunks, async (batch) => {
    const { vectors, overlong } = await embedChunkTexts(embedder, batch.map((r) => String(r.text)));
    await store.setVectors('chunks', batch.map((r, i) => ({ id: String(r.id), vector: vectors[i]! })));
    result.chunks += batch.length;
    result.overlong += overlong;
  });

  const images = await store.rowsWithoutVector('figures', 'vector', ['imagePath']);
  await inBatches(images, async (batch) => {
    const found: Array<{ id: string; file: string; bytes: Uint8Array }> = [];
    for (const r of batch) {
      try {
        found.push({ id: String(r.id), file: String(r.imagePath), bytes: await readFile(path.resolve(dataDir, String(r.imagePath))) });
      } catch {
        result.unreadable.push(String(r.imagePath));
      }
    }
    const rows = await embedImagesEach(embedder, found, (f) => result.unreadable.push(f.file));
    await store.setVectors('figures', rows);
    result.images += rows.length;
  });

  const captions = await store.rowsWithoutVector('figures', 'captionVector', ['section', 'caption', 'ocrText']);
  await inBatches(captions, async (batch) => {
    const vectors = await embedder.embedTexts(batch.map((r) => captionText({ section: String(r.section), caption: String(r.caption), ocrText: String(r.ocrText) })));
    await store.setVectors('figures', batch.map((r, i) => ({ id: String(r.id), captionVector: vectors[i]! })));
    result.captions += batch.length;
  });
  return result;
}
