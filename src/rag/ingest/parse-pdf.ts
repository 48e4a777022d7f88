/**
 * PDF → one section per page (`Page n`) and its embedded raster images as figures, each
 * captioned with the text of its page (the nearest context a PDF offers).
 *
 * Library: unpdf (maintained by the UnJS team; a serverless build of Mozilla's pdf.js, the
 * reference PDF renderer) — pure JavaScript, no native build, text per page and image
 * extraction in one package. mupdf would be more complete but is AGPL and WASM-heavy.
 */
import { extractImages, extractText, getDocumentProxy } from 'unpdf';
import sharp from 'sharp';
import { ParseError, type ParsedDocument, type ParsedFigure } from './parsed.js';

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

/** Images smaller than this (icons, bullets, rules) are not worth a figure. */
const MIN_FIGURE_SIDE = 32;
const CAPTION_CHARS = 300;

export async function parsePdf(bytes: Uint8Array, fallbackTitle: string): Promise<ParsedDocument> {
  let pdf: Awaited<ReturnType<typeof getDocumentProxy>>;
  let pages: string[];
  try {
    // pdf.js takes ownership of (detaches) the buffer it is given: pass a copy.
    pdf = await getDocumentProxy(new Uint8Array(bytes), { verbosity: PDFJS_ERRORS_ONLY });
    pages = (await extractText(pdf, { mergePages: false })).text;
  } catch (err) {
    throw new ParseError(`unreadable PDF (${(err as Error).message.split('\n')[0]})`);
  }
  let title = fallbackTitle;
  try {
    const meta = await pdf.getMetadata();
    const info = meta.info as { Title?: unknown };
    if (typeof info.Title === 'string' && info.Title.trim()) title = info.Title.trim();
  } catch {
    // metadata is optional
  }
  const blocks = [];
  const figures: ParsedFigure[] = [];
  for (let i = 0; i < pages.length; i++) {
    const page = i + 1;
    const section = `Page ${page}`;
    const paragraphs = (pages[i] ?? '').split(/\n\s*\n/).map((p) => p.replace(/\s+/g, ' ').trim()).filter(Boolean);
    for (const text of paragraphs) blocks.push({ section, text, page });
    let images: Awaited<ReturnType<typeof extractImages>> = [];
    try {
      images = await extractImages(pdf, page);
    } catch {
      images = []; // a page whose images cannot be decoded still contributes its text
    }
    const pageText = paragraphs.join(' ');
    let n = 0;
    for (const img of images) {
      if (img.width < MIN_FIGURE_SIDE || img.height < MIN_FIGURE_SIDE) continue;
      const png = await sharp(Buffer.from(img.data), { raw: { width: img.width, height: img.height, channels: img.channels } }).png().toBuffer();
      n++;
      const caption = pageText.length > CAPTION_CHARS ? pageText.slice(0, CAPTION_CHARS) + '…' : pageText;
      figures.push({ section, caption: caption || `${title}, page ${page}`, source: { bytes: png, name: `page-${page}-image-${n}.png` }, page });
    }
  }
  await pdf.destroy().catch(() => undefined);
  if (blocks.length === 0 && figures.length === 0) throw new ParseError('the PDF has no extractable text or images');
  return { kind: 'pdf', title, blocks, figures };
}
