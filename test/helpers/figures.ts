/** Small PNG figures on disk, shaped as the answer pipeline returns them, for adapter tests. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { AnswerFigure } from '../../src/rag/types.js';

export interface FigureOptions {
  caption?: (n: number) => string;
  section?: (n: number) => string;
  fileName?: (n: number) => string;
  width?: number;
  height?: number;
}

/** Two figures (red, blue) in a fresh temp dir. */
export async function makeFigures(options: FigureOptions = {}): Promise<AnswerFigure[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mrag-test-figs-'));
  const figures: AnswerFigure[] = [];
  for (const [n, color] of [[1, '#d33'], [2, '#36c']] as const) {
    const imagePath = path.join(dir, options.fileName?.(n) ?? `fig${n}.png`);
    await sharp({ create: { width: options.width ?? 64, height: options.height ?? 48, channels: 3, background: color } }).png().toFile(imagePath);
    figures.push({
      n,
      id: `fig-${n}`,
      imagePath,
      caption: options.caption?.(n) ?? `Figure ${n}: a diagram`,
      title: 'Guide',
      section: options.section?.(n) ?? `Part ${n}`,
      source: 'docs/guide.md',
    });
  }
  return figures;
}
