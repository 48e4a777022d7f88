/**
 * Render PDF pages to pixels: for vector-drawn figures (cropped to their region) and for
 * scanned pages (the whole page, for OCR). pdf.js draws on a canvas; in Node that canvas is
 * `@napi-rs/canvas` (Skia; prebuilt binaries inside its npm packages, no build, no download —
 * chosen over `canvas`/node-canvas, which needs Cairo built or fetched at install, and it is the
 * canvas unpdf supports). Measured here: a letter page at 2× renders in ~100 ms.
 */
import { renderPageAsImage } from 'unpdf';
import sharp from 'sharp';
import type { Box } from './page-graphics.js';

type PdfDocument = Parameters<typeof renderPageAsImage>[0] & { getPage(n: number): Promise<PdfPage> };
interface PdfPage {
  view: number[];
  getViewport(options: { scale: number }): { width: number; height: number; convertToViewportRectangle(rect: number[]): number[] };
}

/** Margin (points) kept around a cropped figure. */
const CROP_MARGIN = 6;

export class RenderUnavailable extends Error {
  override readonly name = 'RenderUnavailable';
}

let canvasModule: Promise<typeof import('@napi-rs/canvas')> | undefined;
const canvasImport = () => {
  canvasModule ??= import('@napi-rs/canvas').catch((err: Error) => {
    canvasModule = undefined;
    throw new RenderUnavailable(`PDF rendering needs @napi-rs/canvas, which did not load (${err.message.split('\n')[0]})`);
  });
  return canvasModule;
};

/** The scale at which a page's longer side becomes `longSide` pixels. */
export async function scaleFor(pdf: PdfDocument, pageNumber: number, longSide: number): Promise<number> {
  const page = await pdf.getPage(pageNumber);
  const viewport = page.getViewport({ scale: 1 });
  return longSide / Math.max(viewport.width, viewport.height);
}

/** The whole page as PNG bytes at `scale` (1 = 72 dpi). */
export async function renderPage(pdf: PdfDocument, pageNumber: number, scale: number): Promise<Buffer> {
  await canvasImport();
  // unpdf types the import against its own copy of the module's typings; the module is the same.
  type CanvasImport = NonNullable<NonNullable<Parameters<typeof renderPageAsImage>[2]>['canvasImport']>;
  const png = await renderPageAsImage(pdf, pageNumber, { canvasImport: canvasImport as unknown as CanvasImport, scale });
  return Buffer.from(png);
}

/** Crop `box` (page space) out of a page rendered at `scale`, as PNG. */
export async function cropRegion(pdf: PdfDocument, pageNumber: number, pagePng: Buffer, scale: number, box: Box): Promise<Buffer> {
  const page = await pdf.getPage(pageNumber);
  const viewport = page.getViewport({ scale });
  const [ax, ay, bx, by] = viewport.convertToViewportRectangle([box.x0 - CROP_MARGIN, box.y0 - CROP_MARGIN, box.x1 + CROP_MARGIN, box.y1 + CROP_MARGIN]) as [number, number, number, number];
  const meta = await sharp(pagePng).metadata();
  const left = Math.max(0, Math.floor(Math.min(ax, bx)));
  const top = Math.max(0, Math.floor(Math.min(ay, by)));
  const width = Math.min(meta.width! - left, Math.ceil(Math.abs(bx - ax)));
  const height = Math.min(meta.height! - top, Math.ceil(Math.abs(by - ay)));
  return sharp(pagePng).extract({ left, top, width: Math.max(1, width), height: Math.max(1, height) }).png().toBuffer();
}
