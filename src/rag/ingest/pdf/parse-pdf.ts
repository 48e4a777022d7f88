/**
 * PDF → one section per page (`Page n`) with its text, and its figures:
 * - raster images, captioned by the "Figure n: …" line (or the line) next to them, else the
 *   page's text; the same image on several pages is one figure, and an image drawn on most
 *   pages (a logo, a header band) is page decoration — skipped and listed, never a figure;
 * - vector-drawn figures (charts and diagrams made of paths): rendered and cropped (render.ts);
 * - pages without a text layer (scans): rendered whole and handed to OCR by the caller
 *   (`scannedPages`); an image covering such a page is the page itself, not a figure.
 *
 * Library: unpdf (maintained by the UnJS team; a serverless build of Mozilla's pdf.js, the
 * reference PDF renderer) — pure JavaScript, no native build. mupdf would be more complete
 * but is AGPL and WASM-heavy.
 */
import { getDocumentProxy, getResolvedPDFJS } from 'unpdf';
import { ParseError, type ParsedBlock, type ParsedDocument, type ParsedFigure, type SkippedItem } from '../parsed.js';
import { captionNear, textLines, vectorRegions } from './layout.js';
import { boxArea, pageGraphics, type Box, type OpsTable } from './page-graphics.js';
import { rawImageOf, rawToPng } from './page-images.js';
import { cropRegion, renderPage, scaleFor } from './render.js';

// pdf.js (inside unpdf) decodes images with ArrayBuffer.prototype.transferToFixedLength,
// which Node 20 lacks (added in Node 21). A copying stand-in is enough for its use.
const arrayBufferProto = ArrayBuffer.prototype as ArrayBuffer & { transferToFixedLength?: (length?: number) => ArrayBuffer };
if (typeof arrayBufferProto.transferToFixedLength !== 'function') {
  Object.defineProperty(ArrayBuffer.prototype, 'transferToFixedLength', {
    configurable: true,
    writable: true,
    value(this: ArrayBuffer, length = this.byteLength): ArrayBuffer {
      const out = new ArrayBuffer(length);
      new Uint8Array(out).set(new Uint8Array(this, 0, Math.min(length, this.byteLength)));
      return out;
    },
  });
}

/** pdf.js verbosity: errors only (its warnings would interleave with the progress bar). */
const PDFJS_ERRORS_ONLY = 0;
const CAPTION_CHARS = 300;
/** A page with fewer visible characters than this has no real text layer. */
const MIN_TEXT_CHARS = 20;
/** An image drawn on at least this many pages, and on more than half of them, is decoration. */
const DECORATION_MIN_PAGES = 3;
/** Scanned pages are rendered with this many pixels on the longer side (~290 dpi for A4/Letter: tesseract's sweet spot). */
const SCAN_LONG_SIDE = 2400;
/** Vector figures are rendered at 2× (144 dpi). */
const FIGURE_SCALE = 2;
/** CSS pixels per PDF point (96 / 72): the displayed size of a placement. */
const PX_PER_PT = 96 / 72;

type PdfDocument = Awaited<ReturnType<typeof getDocumentProxy>>;

interface RasterOccurrence {
  page: number;
  caption: string;
  box: Box;
  png?: Buffer;
  size: string;
}

const displayedOf = (box: Box) => ({ width: Math.round((box.x1 - box.x0) * PX_PER_PT), height: Math.round((box.y1 - box.y0) * PX_PER_PT) });
const cap = (s: string) => (s.length > CAPTION_CHARS ? s.slice(0, CAPTION_CHARS) + '…' : s);

export async function parsePdf(bytes: Uint8Array, fallbackTitle: string): Promise<ParsedDocument> {
  let pdf: PdfDocument;
  try {
    // pdf.js takes ownership of (detaches) the buffer it is given: pass a copy.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: PDFJS_ERRORS_ONLY });
  } catch (err) {
    throw new ParseError(`unreadable PDF (${(err as Error).message.split('\n')[0]})`);
  }
  try {
    return await parseDocument(pdf, fallbackTitle);
  } finally {
    await pdf.destroy().catch(() => undefined);
  }
}

async function parseDocument(pdf: PdfDocument, fallbackTitle: string): Promise<ParsedDocument> {
  const { OPS } = (await getResolvedPDFJS()) as unknown as { OPS: OpsTable };
  let title = fallbackTitle;
  try {
    const info = (await pdf.getMetadata()).info as { Title?: unknown };
    if (typeof info.Title === 'string' && info.Title.trim()) title = info.Title.trim();
  } catch {
    // metadata is optional
  }
  const blocks: ParsedBlock[] = [];
  const figuresByPage = new Map<number, ParsedFigure[]>();
  const warnings: string[] = [];
  const skipped: SkippedItem[] = [];
  const scannedPages: Array<{ page: number; image: Uint8Array }> = [];
  const rasters = new Map<string, RasterOccurrence[]>();
  const addFigure = (figure: ParsedFigure) => figuresByPage.set(figure.page!, [...(figuresByPage.get(figure.page!) ?? []), figure]);

  for (let n = 1; n <= pdf.numPages; n++) {
    const section = `Page ${n}`;
    let page;
    let items: Array<{ str?: string; hasEOL?: boolean; transform?: number[]; width?: number; height?: number }>;
    let operators;
    try {
      page = await pdf.getPage(n);
      items = (await page.getTextContent()).items as typeof items;
      operators = await page.getOperatorList();
    } catch (err) {
      if (n === 1 && pdf.numPages === 1) throw new ParseError(`unreadable PDF (${(err as Error).message.split('\n')[0]})`);
      warnings.push(`page ${n} could not be read (${(err as Error).message.split('\n')[0]}): skipped`);
      continue;
    }
    const text = items.map((i) => (i.str ?? '') + (i.hasEOL ? '\n' : '')).join('');
    const paragraphs = text.split(/\n\s*\n/).map((p) => p.replace(/\s+/g, ' ').trim()).filter(Boolean);
    for (const p of paragraphs) blocks.push({ section, text: p, page: n });
    const graphics = pageGraphics(operators, OPS);
    const [vx0 = 0, vy0 = 0, vx1 = 612, vy1 = 792] = page.view;
    const pageBox: Box = { x0: vx0, y0: vy0, x1: vx1, y1: vy1 };

    if (text.replace(/\s+/g, '').length < MIN_TEXT_CHARS && (graphics.images.length > 0 || graphics.paths.length > 0)) {
      try {
        scannedPages.push({ page: n, image: await renderPage(pdf, n, await scaleFor(pdf, n, SCAN_LONG_SIDE)) });
      } catch (err) {
        warnings.push(`page ${n} has no text layer and could not be rendered for OCR (${(err as Error).message.split('\n')[0]})`);
      }
      // Images smaller than most of the page may still be figures on a scanned page.
      graphics.images = graphics.images.filter((img) => boxArea(img.box) < boxArea(pageBox) * 0.5);
      graphics.paths = [];
    }

    const lines = textLines(items);
    const pageCaption = (box: Box) => captionNear(box, lines) ?? (cap(paragraphs.join(' ')) || `${title}, page ${n}`);
    for (const placement of graphics.images) {
      const raw = await rawImageOf(page, placement).catch(() => undefined);
      if (!raw) {
        warnings.push(`page ${n}: an image could not be decoded: skipped`);
        continue;
      }
      const seen = rasters.get(raw.hash);
      const occurrence: RasterOccurrence = { page: n, caption: pageCaption(placement.box), box: placement.box, size: `${raw.width}×${raw.height}` };
      if (!seen) occurrence.png = await rawToPng(raw);
      rasters.set(raw.hash, [...(seen ?? []), occurrence]);
    }

    const regions = vectorRegions(graphics.paths, pageBox, lines, graphics.images.map((i) => i.box));
    if (regions.length > 0) {
      try {
        const rendered = await renderPage(pdf, n, FIGURE_SCALE);
        for (const [i, region] of regions.entries()) {
          const png = await cropRegion(pdf, n, rendered, FIGURE_SCALE, region.box);
          addFigure({ section, caption: region.caption ?? pageCaption(region.box), source: { bytes: png, name: `page-${n}-drawing-${i + 1}.png` }, page: n, displayed: displayedOf(region.box) });
        }
      } catch (err) {
        warnings.push(`page ${n}: ${regions.length} vector-drawn figure(s) not rendered (${(err as Error).message.split('\n')[0]})`);
      }
    }
  }

  const decorationPages = Math.max(DECORATION_MIN_PAGES, Math.floor(pdf.numPages / 2) + 1);
  for (const occurrences of rasters.values()) {
    const pages = new Set(occurrences.map((o) => o.page));
    const first = occurrences[0]!;
    if (pages.size >= decorationPages) {
      skipped.push({ what: `image ${first.size} (first on page ${first.page})`, reason: `drawn on ${pages.size} of ${pdf.numPages} pages: a logo or page decoration, not content` });
      continue;
    }
    const count = (figuresByPage.get(first.page)?.length ?? 0) + 1;
    addFigure({ section: `Page ${first.page}`, caption: first.caption, source: { bytes: first.png!, name: `page-${first.page}-image-${count}.png` }, page: first.page, displayed: displayedOf(first.box) });
  }
  const figures = [...figuresByPage.entries()].sort((a, b) => a[0] - b[0]).flatMap(([, list]) => list);
  if (blocks.length === 0 && figures.length === 0 && scannedPages.length === 0) {
    throw new ParseError(skipped.length ? 'the PDF has no text and only page decoration' : 'the PDF has no extractable text or images');
  }
  return { kind: 'pdf', title, blocks, figures, warnings, skipped, scannedPages };
}
