/**
 * Writes small, valid PDFs for ingest tests: each page is a content stream built from the
 * drawing helpers below (text at a position, an image XObject placed anywhere, vector
 * rectangles and lines), images are shared objects (the same logo on many pages is one object,
 * as real PDFs do), with a correct xref table.
 */
import { deflateSync } from 'node:zlib';

export interface PdfImage {
  width: number;
  height: number;
  /** RGB bytes, 3 per pixel. */
  rgb: Uint8Array;
}

export interface PdfPage {
  /** Content stream operators (use the helpers). */
  content: string[];
}

const escapeText = (s: string) => s.replace(/[\\()]/g, (c) => '\\' + c);

/** Text in Helvetica at (x, y) points from the bottom-left. */
export const text = (x: number, y: number, size: number, str: string) => `BT /F1 ${size} Tf ${x} ${y} Td (${escapeText(str)}) Tj ET`;
/** Image `name` drawn in the box (x, y, width, height) in points. */
export const image = (name: string, x: number, y: number, w: number, h: number) => `q ${w} 0 0 ${h} ${x} ${y} cm /${name} Do Q`;
/** A filled rectangle (grey by default). */
export const fillRect = (x: number, y: number, w: number, h: number, grey = 0.3) => `q ${grey} g ${x} ${y} ${w} ${h} re f Q`;
/** A stroked rectangle. */
export const strokeRect = (x: number, y: number, w: number, h: number) => `q 1.5 w ${x} ${y} ${w} ${h} re S Q`;
/** A stroked line. */
export const line = (x1: number, y1: number, x2: number, y2: number) => `q 1 w ${x1} ${y1} m ${x2} ${y2} l S Q`;

export function buildPdf(pages: PdfPage[], images: Record<string, PdfImage> = {}, title?: string): Buffer {
  const objects: Buffer[] = [];
  const add = (body: Buffer | string) => {
    objects.push(Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'));
    return objects.length;
  };
  const stream = (dict: string, data: Buffer) => Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream', 'latin1')]);

  const catalogId = add('<< /Type /Catalog /Pages 2 0 R >>');
  add('PLACEHOLDER'); // the page tree, filled below
  const fontId = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  const imageIds: Record<string, number> = {};
  for (const [name, img] of Object.entries(images)) {
    imageIds[name] = add(stream(`/Type /XObject /Subtype /Image /Width ${img.width} /Height ${img.height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode`, deflateSync(img.rgb)));
  }
  const pageIds: number[] = [];
  for (const page of pages) {
    const body = page.content.join('\n');
    const used = Object.keys(imageIds).filter((name) => body.includes(`/${name} Do`));
    const xobjects = used.length ? ` /XObject << ${used.map((n) => `/${n} ${imageIds[n]} 0 R`).join(' ')} >>` : '';
    const contentId = add(stream('', Buffer.from(body + '\n', 'latin1')));
    pageIds.push(add(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${contentId} 0 R /Resources << /Font << /F1 ${fontId} 0 R >>${xobjects} >> >>`));
  }
  objects[1] = Buffer.from(`<< /Type /Pages /Kids [${pageIds.map((id) => `${id} 0 R`).join(' ')}] /Count ${pageIds.length} >>`, 'latin1');
  const infoId = title ? add(`<< /Title (${escapeText(title)}) >>`) : undefined;

  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  const offsets: number[] = [];
  let size = parts[0]!.length;
  objects.forEach((body, i) => {
    offsets.push(size);
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`, 'latin1'), body, Buffer.from('\nendobj\n', 'latin1')]);
    parts.push(obj);
    size += obj.length;
  });
  const xref = [`xref\n0 ${objects.length + 1}\n`, '0000000000 65535 f \n', ...offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`)].join('');
  const trailer = `trailer\n<< /Size ${objects.length + 1} /Root ${catalogId} 0 R${infoId ? ` /Info ${infoId} 0 R` : ''} >>\nstartxref\n${size}\n%%EOF\n`;
  parts.push(Buffer.from(xref + trailer, 'latin1'));
  return Buffer.concat(parts);
}

/** A two-colour checker pattern (a stand-in for a photo or diagram), `seed` varies the colours. */
export function pattern(width: number, height: number, seed = 0): PdfImage {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const on = (Math.floor(x / 8) + Math.floor(y / 8)) % 2 === 0;
      rgb[i] = on ? 230 - seed * 40 : 20;
      rgb[i + 1] = on ? 120 : 40 + seed * 30;
      rgb[i + 2] = on ? 30 : 200;
    }
  }
  return { width, height, rgb };
}

/** Lines of 12 pt text from the top of the page, 14 pt apart (a plain text page). */
export const textLines = (lines: string[]) => ['BT /F1 12 Tf 72 740 Td 14 TL', ...lines.map((l) => `(${escapeText(l)}) '`), 'ET'];
