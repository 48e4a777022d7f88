import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { groupFiles, loadFigureFiles, type FigureFile } from '../../../src/bots/discord/files.js';
import { createLogger } from '../../../src/log.js';
import type { AnswerFigure } from '../../../src/rag/types.js';

const logger = createLogger({ level: 'silent' });

function figure(n: number, imagePath: string): AnswerFigure {
  return { n, id: `f${n}`, imagePath, caption: `caption ${n}`, title: 'T', section: 'S', source: 'doc.md' };
}

describe('figure files', () => {
  it('downscales an image over the per-file limit and skips a missing one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mrag-files-'));
    const big = path.join(dir, 'big.png');
    // Random noise compresses badly: a 600x600 PNG is ~1 MB.
    const noise = Buffer.from(Array.from({ length: 600 * 600 * 3 }, () => Math.floor(Math.random() * 256)));
    await sharp(noise, { raw: { width: 600, height: 600, channels: 3 } }).png().toFile(big);
    const small = path.join(dir, 'small.png');
    await sharp({ create: { width: 10, height: 10, channels: 3, background: '#fff' } }).png().toFile(small);

    const limit = 100 * 1024;
    const files = await loadFigureFiles([figure(1, big), figure(2, path.join(dir, 'gone.png')), figure(3, small)], logger, limit);
    expect(files.map((f) => f.name)).toEqual(['figure-1.jpg', 'figure-3.png']);
    expect(files[0]!.data.length).toBeLessThanOrEqual(limit);
    expect(files[0]!.contentType).toBe('image/jpeg');
    const meta = await sharp(files[0]!.data).metadata();
    expect(meta.format).toBe('jpeg');
    expect(files[1]!.description).toBe('caption 3');
  });

  it('groups at most 10 files per message and respects the per-message size', () => {
    const file = (size: number): FigureFile => ({ name: 'x.png', data: Buffer.alloc(size), contentType: 'image/png' });
    expect(groupFiles(Array.from({ length: 12 }, () => file(10))).map((g) => g.length)).toEqual([10, 2]);
    expect(groupFiles([file(600), file(600), file(300)], 1000).map((g) => g.length)).toEqual([1, 2]);
    expect(groupFiles([])).toEqual([]);
  });
});
