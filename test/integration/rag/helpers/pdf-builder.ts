/**
 * Writes small, valid PDFs for tests: pages of Helvetica text lines and optional RGB images
 * (Flate-compressed image XObjects), with a correct xref table.
 */
import { deflateSync } from 'node:zlib';

export interface PdfPage {
  lines: string[];
  image?: { width: number; height: number; rgb: Uint8Array };
}

const escapeText = (s: string) => s.replace(/[\\()]/g, (c) => '\\' + c);

export function buildPdf(pages: PdfPage[], title?: string): Buffer {
  const objects: Buffer[] = [];
  const add = (body: Buffer | string) => {
    objects.push(Buffer.isBuffer(body) ? body : Buffer.from(body, 'latin1'));
    return objects.length;
  };
  const stream = (dict: string, data: Buffer) => Buffer.concat([Buffer.from(`<< ${dict} /Length ${data.length} >>\nstream\n`, 'latin1'), data, Buffer.from('\nendstream', 'latin1')]);

  const catalogId = add('<< /Type /Catalog /Pages 2 0 R >>');
  add('PLACEHOLDER'); // pages, filled below
  const fontId = add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  const pageIds: number[] = [];
  for (const page of pages) {
    let content = 'BT /F1 12 Tf 72 740 Td 14 TL\n' + page.lines.map((l) => `(${escapeText(l)}) '`).join('\n') + '\nET\n';
    let xobject = '';
    if (page.image) {
      const { width, height, rgb } = page.image;
      const imgId = add(stream(`/Type /XObject /Subtype /Image /Width ${width} /Height ${height} /ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode`, deflateSync(rgb)));
      xobject = ` /XObject << /Im1 ${imgId} 0 R >>`;
      content += `q ${width * 2} 0 0 ${height * 2} 72 300 cm /Im1 Do Q\n`;
    }
    const contentId = add(stream('', Buffer.from(content, 'latin1')));
    pageIds.push(add(`<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents ${contentId} 0 R /Resources << /Font << /F1 ${fontId} 0 R >>${xobject} >> >>`));
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

/** A simple two-colour test pattern. */
export function pattern(width: number, height: number): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const on = (Math.floor(x / 8) + Math.floor(y / 8)) % 2 === 0;
      rgb[i] = on ? 230 : 20;
      rgb[i + 1] = on ? 120 : 40;
      rgb[i + 2] = on ? 30 : 200;
    }
  }
  return rgb;
}
