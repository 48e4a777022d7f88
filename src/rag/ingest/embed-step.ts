/**
 * The embedding step of ingest, kept apart from parsing and figure work so that it can be
 * skipped (an index without vectors) or run later for rows that lack vectors:
 * text windows → CLIP text vectors; figure pixels → CLIP image vectors; figure text
 * (section: caption, else the OCR text) → CLIP text vectors in the same space.
 */
import type { Embedder } from '../embed/embedder.js';
import type { ChunkDraft } from './chunker.js';
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

export async function embedDocument(embedder: Embedder, chunks: ChunkDraft[], figures: FigureDraft[]): Promise<DocumentVectors> {
  return {
    chunks: await embedder.embedTexts(chunks.map((d) => d.text)),
    images: await embedder.embedImages(figures.map((f) => f.image.bytes)),
    captions: await embedder.embedTexts(figures.map(captionText)),
  };
}
