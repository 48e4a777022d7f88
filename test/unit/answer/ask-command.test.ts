import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatAnswerFooter, readImageFile } from '../../../src/cli/commands/ask.js';
import { UserFacingError } from '../../../src/errors.js';

const dir = mkdtempSync(path.join(os.tmpdir(), 'mrag-ask-cmd-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('mrag ask --image', () => {
  it('reads PNG/JPEG/GIF/WebP files', async () => {
    const png = path.join(dir, 'a.png');
    writeFileSync(png, Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 1]));
    expect(Array.from(await readImageFile(png)).slice(0, 4)).toEqual([0x89, 0x50, 0x4e, 0x47]);
  });

  it('explains a missing file, a directory and a non-image in one line', async () => {
    const text = path.join(dir, 'notes.txt');
    writeFileSync(text, 'hello');
    await expect(readImageFile(path.join(dir, 'nope.png'))).rejects.toThrow(new UserFacingError('image_unreadable', `--image ${path.join(dir, 'nope.png')}: no such file`));
    await expect(readImageFile(dir)).rejects.toThrow(`--image ${dir}: not a file`);
    await expect(readImageFile(text)).rejects.toThrow('not a PNG, JPEG, GIF or WebP image');
  });
});

describe('answer footer', () => {
  it('lists numbered sources and figure paths (relative under the working directory, else absolute)', () => {
    const footer = formatAnswerFooter(
      {
        text: 'x',
        mode: 'llm',
        timings: {},
        sources: [{ n: 2, id: 'c', title: 'Guide', section: 'Setup', source: 'data/articles/guide.md', snippet: '', page: 3 }],
        figures: [
          { n: 1, id: 'f', imagePath: '/work/data/index/figures/d/chart.png', caption: 'The chart', title: 'Guide', section: '', source: 'data/articles/guide.md' },
          { n: 3, id: 'g', imagePath: '/srv/figures/map.png', caption: 'A map ' + 'x'.repeat(200), title: 'Guide', section: '', source: 'data/articles/guide.md' },
        ],
      },
      '/work',
    );
    const lines = footer.split('\n');
    expect(lines.slice(0, 4)).toEqual(['Sources:', '  [2] Guide › Setup (data/articles/guide.md, page 3)', 'Figures:', '  [F1] data/index/figures/d/chart.png  The chart']);
    expect(lines[4]).toMatch(/^ {2}\[F3\] \/srv\/figures\/map\.png {2}A map x+…$/);
    expect(lines[4]!.length).toBeLessThan(140);
  });
});
