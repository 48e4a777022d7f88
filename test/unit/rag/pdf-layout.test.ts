/** PDF page geometry (captions next to figures, vector drawings vs tables and rules) and the OCR word filter. */
import { describe, expect, it } from 'vitest';
import { captionNear, textLines, vectorRegions } from '../../../src/rag/ingest/pdf/layout.js';
import { transformBox, type Box } from '../../../src/rag/ingest/pdf/page-graphics.js';
import { wordsToText } from '../../../src/rag/ocr/ocr.js';

const item = (str: string, x: number, y: number, size = 10) => ({ str, transform: [size, 0, 0, size, x, y], width: str.length * size * 0.5, height: size });
const PAGE: Box = { x0: 0, y0: 0, x1: 612, y1: 792 };

describe('captions', () => {
  const figure: Box = { x0: 100, y0: 300, x1: 400, y1: 440 };

  it('takes a labelled line below or above the figure, with the lines that continue it', () => {
    const lines = textLines([item('Body text far above.', 72, 700), item('Figure 2: Latency by index size,', 100, 285), item('measured on two cores.', 100, 273), item('Next paragraph after a gap.', 72, 230)]);
    expect(captionNear(figure, lines)).toBe('Figure 2: Latency by index size, measured on two cores.');
    const above = textLines([item('Fig. 4 — Queue depth', 120, 450)]);
    expect(captionNear(figure, above)).toBe('Fig. 4 — Queue depth');
  });

  it('prefers a labelled line over a closer unlabelled one, and falls back to an adjacent line, else nothing', () => {
    expect(captionNear(figure, textLines([item('Plain line just below.', 100, 290), item('Chart 1: Signups', 100, 270)]))).toBe('Chart 1: Signups');
    expect(captionNear(figure, textLines([item('Plain line just below.', 100, 290)]))).toBe('Plain line just below.');
    expect(captionNear(figure, textLines([item('Too far away to be a caption.', 100, 200)]))).toBeUndefined();
  });

  it('groups text items on one baseline into one line, left to right', () => {
    expect(textLines([item('world', 160, 500), item('Hello', 100, 500.5)]).map((l) => l.text)).toEqual(['Hello world']);
  });
});

describe('vector drawings', () => {
  const rect = (x0: number, y0: number, w: number, h: number): Box => ({ x0, y0, x1: x0 + w, y1: y0 + h });

  it('clusters nearby paths into one figure and finds its caption', () => {
    const bars = [rect(100, 300, 30, 120), rect(140, 300, 30, 80), rect(180, 300, 30, 150), { x0: 90, y0: 300, x1: 300, y1: 300 }];
    const [region, ...rest] = vectorRegions(bars, PAGE, textLines([item('Figure 1: Bars', 100, 285)]), []);
    expect(rest).toEqual([]);
    expect(region).toMatchObject({ box: { x0: 90, y0: 300, x1: 300, y1: 450 }, paths: 4, caption: 'Figure 1: Bars' });
  });

  it('leaves out rules, page frames, single boxes, text-dense grids and frames of raster images', () => {
    const rule = { x0: 72, y0: 690, x1: 540, y1: 690 };
    const frame = rect(10, 10, 592, 772);
    const box = rect(70, 600, 300, 40);
    const grid: Box[] = [];
    for (let r = 0; r <= 4; r++) grid.push({ x0: 72, y0: 500 - r * 20, x1: 372, y1: 500 - r * 20 });
    for (let c = 0; c <= 3; c++) grid.push({ x0: 72 + c * 100, y0: 420, x1: 72 + c * 100, y1: 500 });
    const cells = [];
    for (let r = 0; r < 4; r++) for (let c = 0; c < 3; c++) cells.push(item(`Team plan ${r}${c} days`, 76 + c * 100, 486 - r * 20, 11));
    const photoFrame = [rect(98, 98, 204, 104), rect(100, 100, 200, 100), rect(99, 99, 202, 102)];
    expect(vectorRegions([rule, frame, box, ...grid, ...photoFrame], PAGE, textLines(cells), [rect(100, 100, 200, 100)])).toEqual([]);
  });

  it('maps path boxes through rotation and scale', () => {
    expect(transformBox([0, 1, -1, 0, 100, 0], 0, 0, 10, 20)).toEqual({ x0: 80, y0: 0, x1: 100, y1: 10 });
    expect(transformBox([2, 0, 0, 2, 5, 5], 1, 1, 2, 2)).toEqual({ x0: 7, y0: 7, x1: 9, y1: 9 });
  });
});

describe('OCR word filter', () => {
  it('keeps confident words with letters or digits, a line per text line', () => {
    const word = (text: string, confidence: number) => ({ text, confidence });
    const blocks = [
      { paragraphs: [{ lines: [{ words: [word('Queue', 96), word('—', 90), word('J', 30)] }, { words: [word('Wait', 95), word('2s', 94)] }, { words: [word('~~', 20)] }] }] },
    ];
    expect(wordsToText(blocks)).toEqual({ text: 'Queue\nWait 2s', words: 3, confidence: 95 });
    expect(wordsToText(null)).toEqual({ text: '', words: 0, confidence: 0 });
  });
});
