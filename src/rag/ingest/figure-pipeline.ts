/**
 * Per-figure work for one document, as a pipeline of steps over the parsed figures:
 *
 *   load + normalise (figures.ts) → OCR (text in the image) → describe (level 1,
 *   describe-step.ts: a model-written description, when descriptions are on)
 *
 * The same pixels shown twice are two figures (a reader sees both, with their own captions)
 * sharing one stored file and one OCR run (both keyed by the image hash).
 *
 * Embedding comes after, in embed-step.ts, so that it can be skipped or run later. Each step
 * reports what it leaves out into the document's notes; a figure that fails never fails the
 * document.
 */
import type { NormalisedImage } from '../image/normalise.js';
import type { OcrEngine } from '../ocr/ocr.js';
import type { FigureDescriber } from './describe-figures.js';
import { describeFigures } from './describe-step.js';
import { loadFigure, type FigureLoadOptions } from './figures.js';
import type { ParsedDocument } from './parsed.js';

export interface FigureDraft {
  /** Index of the figure in the parsed document (stable row id `<docId>#f<n>`). */
  n: number;
  section: string;
  caption: string;
  page?: number;
  image: NormalisedImage;
  /** File name to store the image under (from its reference, extension of its format). */
  name: string;
  ocrText: string;
  description: string;
}

/** Where steps report, per document (the caller prefixes the document's source). */
export interface DocumentNotes {
  failed(what: string, reason: string): void;
  skipped(what: string, reason: string): void;
  warn(message: string): void;
}

export interface FigureSteps {
  load: FigureLoadOptions;
  /** Undefined when OCR is off. */
  ocr?: OcrEngine;
  /** Undefined when figure descriptions are off. */
  describe?: FigureDescriber;
}

/** Step 1: every parsed figure → a normalised image, or a note saying why not. */
async function loadStep(parsed: ParsedDocument, base: { baseDir?: string; baseUrl?: string }, steps: FigureSteps, notes: DocumentNotes): Promise<FigureDraft[]> {
  const drafts: FigureDraft[] = [];
  for (const [n, figure] of parsed.figures.entries()) {
    const outcome = await loadFigure(figure, base, steps.load);
    if (outcome.status === 'failed') notes.failed(`figure ${outcome.ref}`, outcome.reason);
    else if (outcome.status === 'skipped') notes.skipped(`figure ${outcome.ref}`, outcome.reason);
    else drafts.push({ n, section: figure.section, caption: figure.caption, page: figure.page, image: outcome.image, name: outcome.name, ocrText: '', description: '' });
  }
  return drafts;
}

/** Step 2: OCR every figure in parallel (the engine's worker pool sets the pace); a failure loses only the text. */
async function ocrStep(drafts: FigureDraft[], ocr: OcrEngine | undefined, notes: DocumentNotes): Promise<void> {
  if (!ocr) return;
  await Promise.all(
    drafts.map(async (d) => {
      try {
        d.ocrText = (await ocr.recognize(d.image)).text;
      } catch (err) {
        notes.warn(`figure ${d.name}: OCR failed (${(err as Error).message.split('\n')[0]}); indexed without its text`);
      }
    }),
  );
}

/** Step 3: model-written descriptions (level 1), one model call per distinct image (keyed by `image.hash`). */
async function describeStep(drafts: FigureDraft[], describer: FigureDescriber | undefined, parsed: ParsedDocument): Promise<void> {
  if (describer && drafts.length > 0) await describeFigures(drafts, describer, parsed);
}

/** Run the steps for one document's figures. */
export async function prepareFigures(parsed: ParsedDocument, base: { baseDir?: string; baseUrl?: string }, steps: FigureSteps, notes: DocumentNotes): Promise<FigureDraft[]> {
  const drafts = await loadStep(parsed, base, steps, notes);
  await ocrStep(drafts, steps.ocr, notes);
  await describeStep(drafts, steps.describe, parsed);
  return drafts;
}
