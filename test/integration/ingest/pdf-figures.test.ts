/**
 * PDF figures as a reader sees them: repeated images (logos) are decoration, the same image on
 * a few pages is one figure, vector-drawn charts are rendered with their "Figure n:" caption
 * (tables and rules are not figures), scanned pages are read by OCR and the summary says so.
 * Real unpdf/pdf.js, @napi-rs/canvas, tesseract.js and the tiny CLIP fixture.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import { openKnowledgeBase } from '../../../src/rag/knowledge-base.js';
import { createOcr, type OcrEngine } from '../../../src/rag/ocr/ocr.js';
import { buildPdf, fillRect, image, line, pattern, strokeRect, text, type PdfImage } from '../../helpers/pdf-builder.js';

const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const logger = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-pdf-'));
let embedder: Embedder;
let ocr: OcrEngine;

beforeAll(async () => {
  embedder = await createEmbedder(FIXTURE);
  ocr = createOcr({ langs: 'eng', workers: 1 });
});
afterAll(async () => {
  await ocr.close();
  await embedder.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function run(name: string, pdf: Buffer, options: { ocr?: OcrEngine | false } = {}) {
  const docs = path.join(tmp, name);
  mkdirSync(docs);
  writeFileSync(path.join(docs, `${name}.pdf`), pdf);
  const config = loadConfig({ DATA_DIR: path.join(tmp, `data-${name}`), EMBEDDING_MODEL: FIXTURE });
  const summary = await ingest([docs], { config, logger }, { embedder, ocr: options.ocr ?? ocr });
  const kb = await openKnowledgeBase({ config, logger, embedder });
  const all = await kb.search({ text: 'reconcile ledger signups diagram' }, { textK: 100, figureK: 100 });
  await kb.close();
  return { summary, all };
}

describe('PDF images', () => {
  it('treats an image drawn on most pages as decoration, and an image on a few pages as one figure', async () => {
    const pages = Array.from({ length: 6 }, (_, i) => {
      const n = i + 1;
      const content = [text(72, 720, 12, `Chapter ${n} of the operations manual.`)];
      if (n <= 5) content.push(image('Logo', 500, 700, 48, 48));
      if (n === 2 || n === 4) content.push(image('Photo', 100, 450, 120, 90));
      if (n === 3) content.push(image('Diagram', 100, 300, 300, 140), text(100, 280, 10, 'Figure 3: The ingest pipeline'));
      return { content };
    });
    const images: Record<string, PdfImage> = { Logo: pattern(64, 64, 1), Photo: pattern(120, 90, 3), Diagram: pattern(300, 140, 2) };
    const { summary, all } = await run('logos', buildPdf(pages, images, 'Operations manual'));

    expect(summary.failures).toEqual([]);
    expect(all.figures.map((f) => [f.page, f.width, f.height]).sort()).toEqual([
      [2, 120, 90],
      [3, 300, 140],
    ]);
    expect(all.figures.find((f) => f.page === 3)!.caption).toBe('Figure 3: The ingest pipeline');
    expect(summary.skipped).toEqual([{ source: expect.stringMatching(/logos\.pdf › image 64×64 \(first on page 1\)$/), reason: 'drawn on 5 of 6 pages: a logo or page decoration, not content' }]);
  });
});

describe('vector-drawn figures', () => {
  it('renders a chart made of paths as a figure with the caption below it; a boxed note, a table grid and a rule are not figures', async () => {
    const chart = [
      text(72, 720, 12, 'Signups grew in every quarter; the chart below shows them by plan.'),
      line(90, 300, 300, 300),
      line(90, 300, 90, 470),
      fillRect(100, 300, 30, 120),
      fillRect(150, 300, 30, 80),
      fillRect(200, 300, 30, 160),
      fillRect(250, 300, 30, 60),
      text(90, 280, 10, 'Figure 1: Monthly signups by plan'),
      // A boxed note: one stroked rectangle around text is not a figure.
      strokeRect(70, 600, 300, 40),
      text(76, 615, 12, 'Note: the numbers are provisional.'),
    ];
    const grid: string[] = [text(72, 720, 12, 'Plan limits, as a ruled table.'), line(72, 690, 540, 690)];
    for (let r = 0; r <= 4; r++) grid.push(line(72, 600 - r * 20, 372, 600 - r * 20));
    for (let c = 0; c <= 3; c++) grid.push(line(72 + c * 100, 520, 72 + c * 100, 600));
    for (let r = 0; r < 4; r++) for (let c = 0; c < 3; c++) grid.push(text(76 + c * 100, 586 - r * 20, 11, `Team plan ${r}${c} days`));
    const { summary, all } = await run('vector', buildPdf([{ content: chart }, { content: grid }], {}, 'Growth report'));

    expect(summary.failures).toEqual([]);
    expect(all.figures).toHaveLength(1);
    const figure = all.figures[0]!;
    expect(figure).toMatchObject({ page: 1, section: 'Page 1', caption: 'Figure 1: Monthly signups by plan' });
    expect(path.basename(figure.imagePath)).toBe('page-1-drawing-1.png');
    // The crop holds the bars: dark pixels on white, about the chart's size (≈ 200 × 180 pt at 2×).
    const stats = await sharp(readFileSync(figure.imagePath)).stats();
    expect(stats.channels[0]!.min).toBeLessThan(100);
    expect(stats.channels[0]!.max).toBeGreaterThan(200);
    expect(figure.width).toBeGreaterThan(300);
    expect(figure.height).toBeGreaterThan(300);
    // The table's text is text, not a figure.
    expect(all.chunks.some((c) => c.page === 2 && c.context.includes('Team plan 00 days'))).toBe(true);
  });
});

describe('scanned pages', () => {
  /** A Letter page at 2× with the OCR fixture (three boxed words) pasted in: what a scanner produces. */
  async function scannedPage(): Promise<PdfImage> {
    const words = await sharp(readFileSync('test/fixtures/ocr/ledger-flow.png')).resize({ width: 960 }).png().toBuffer();
    const rgb = await sharp({ create: { width: 1224, height: 1584, channels: 3, background: '#ffffff' } })
      .composite([{ input: words, left: 132, top: 500 }])
      .removeAlpha()
      .raw()
      .toBuffer();
    return { width: 1224, height: 1584, rgb };
  }

  it('reads a page without a text layer with OCR and says so; the scan itself is not a figure', async () => {
    const pdf = buildPdf([{ content: [text(72, 720, 12, 'The accounting procedure is scanned on the next page.')] }, { content: [image('Scan', 0, 0, 612, 792)] }], { Scan: await scannedPage() }, 'Accounting');
    const { summary, all } = await run('scanned', pdf);
    expect(summary.failures).toEqual([]);
    expect(summary.warnings).toEqual([{ source: expect.stringMatching(/scanned\.pdf$/), message: expect.stringMatching(/^page 2 has no text layer: read by OCR \(\d+ words\)$/) }]);
    expect(summary.ocr.pages).toBe(1);
    const page2 = all.chunks.filter((c) => c.page === 2);
    expect(page2.map((c) => c.context).join(' ')).toMatch(/Invoice.*Reconcile.*Ledger/);
    expect(all.figures).toEqual([]);
  });

  it('with OCR off, says the page text is not indexed', async () => {
    const pdf = buildPdf([{ content: [text(72, 720, 12, 'Cover page text.')] }, { content: [image('Scan', 0, 0, 612, 792)] }], { Scan: await scannedPage() });
    const { summary, all } = await run('scanned-no-ocr', pdf, { ocr: false });
    expect(summary.warnings.map((w) => w.message)).toEqual(['page 2 has no text layer and OCR is off (OCR_ENABLED=false): its text is not indexed']);
    expect(all.chunks.every((c) => c.page === 1)).toBe(true);
  });
});
