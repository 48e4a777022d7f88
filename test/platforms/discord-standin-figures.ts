/** Small PNG figures on disk, as the answer pipeline returns them, for Discord tests. */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import type { AnswerFigure } from '../../src/rag/types.js';

export async function makeFigures(): Promise<AnswerFigure[]> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mrag-discord-figs-'));
  const figures: AnswerFigure[] = [];
  for (const [n, color] of [[1, '#d33'], [2, '#36c']] as const) {
    const imagePath = path.join(dir, `fig${n}.png`);
    await sharp({ create: { width: 64, height: 48, channels: 3, background: color } }).png().toFile(imagePath);
    figures.push({ n, id: `fig-${n}`, imagePath, caption: `Figure ${n}: a diagram`, title: 'Guide', section: `Part ${n}`, source: 'docs/guide.md' });
  }
  return figures;
}
