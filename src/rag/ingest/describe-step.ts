/**
 * The describe step of ingest (retrieval level 1): model-written figure descriptions
 * (describe-figures.ts) into each figure's `description`, which is part of its BM25 text
 * (`searchText`) and of the answer prompt.
 *
 * - New and changed documents: `describeFigures` runs in the figure pipeline's describe slot,
 *   once per distinct image (keyed by `image.hash`; the same pixels shown twice get the same
 *   description, and the describer's cache makes re-ingest free).
 * - Documents already in the index: `describeStoredFigures` gives the figures that have no
 *   description yet one, from their stored image file, without re-parsing anything (a
 *   later `--describe-figures` run, or Ollama back after a run that skipped them).
 *
 * On when `mrag ingest --describe-figures`, FIGURE_DESCRIPTIONS=true, or RETRIEVAL_LEVEL=1
 * with FIGURE_DESCRIPTIONS unset (config/env.ts). Ollama down → the describer warns once and
 * the figures are indexed without descriptions.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { IndexStore } from '../index/store.js';
import type { FigureDescriber } from './describe-figures.js';

/** What a figure's BM25 text is made of: title › section, caption, OCR text, description. */
export function figureSearchText(f: { title: string; section: string; caption: string; ocrText: string; description: string }): string {
  return [[f.title, f.section].filter(Boolean).join(' › '), f.caption, f.ocrText, f.description].filter(Boolean).join('\n');
}

/** A figure being described: its normalised image and its text (description is filled in). */
export interface FigureToFill {
  image: { hash: string; bytes: Uint8Array };
  section: string;
  caption: string;
  description: string;
}

/** Longest nearby text given to the model as context (the describer shortens it too). */
const CONTEXT_CHARS = 600;

/**
 * Fill `description` of each figure, one model call per distinct image (in order; the
 * describer's own cache and stop-on-unavailable rules apply). `blocks` give the section's
 * text as context.
 */
export async function describeFigures(
  figures: FigureToFill[],
  describer: FigureDescriber,
  doc: { title: string; blocks: ReadonlyArray<{ section: string; text: string }> },
): Promise<void> {
  const byHash = new Map<string, Promise<string | undefined>>();
  for (const f of figures) {
    let pending = byHash.get(f.image.hash);
    if (!pending) {
      const context = doc.blocks.filter((b) => b.section === f.section).map((b) => b.text).join(' ').slice(0, CONTEXT_CHARS);
      pending = describer.describe({ bytes: f.image.bytes, caption: f.caption, title: doc.title, section: f.section, context: context || undefined });
      byHash.set(f.image.hash, pending);
    }
    f.description = (await pending) ?? '';
  }
}

export interface StoredDescriptionsResult {
  /** Figures of documents already in the index that gained a description. */
  described: number;
  /** Stored figures whose image file is missing (not described). */
  missingFiles: string[];
}

/**
 * Describe the index's figures that have none yet (see the module comment), except those of
 * `skipDocIds` (documents this run wrote: their figures went through `describeFigures`).
 * Published with the next commit.
 */
export async function describeStoredFigures(store: IndexStore, describer: FigureDescriber, dataDir: string, skipDocIds: ReadonlySet<string> = new Set()): Promise<StoredDescriptionsResult> {
  const result: StoredDescriptionsResult = { described: 0, missingFiles: [] };
  const byHash = new Map<string, string | undefined>();
  const updates: Array<{ id: string; description: string; searchText: string }> = [];
  for (const figure of await store.figuresWithoutDescription()) {
    if (skipDocIds.has(figure.docId)) continue;
    if (!byHash.has(figure.imageHash)) {
      let bytes: Uint8Array;
      try {
        bytes = await readFile(path.resolve(dataDir, figure.imagePath));
      } catch {
        result.missingFiles.push(figure.imagePath);
        byHash.set(figure.imageHash, undefined);
        continue;
      }
      byHash.set(figure.imageHash, await describer.describe({ bytes, caption: figure.caption, title: figure.title, section: figure.section }));
    }
    const description = byHash.get(figure.imageHash);
    if (!description) continue;
    updates.push({ id: figure.id, description, searchText: figureSearchText({ ...figure, description }) });
  }
  await store.setFigureDescriptions(updates);
  result.described = updates.length;
  return result;
}
