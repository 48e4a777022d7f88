/**
 * Ingest prepares several documents at once (work-queue.ts) and writes them in input order:
 * the index and the summary are the same as one document at a time, and a bad document or a
 * bad figure fails alone.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { IndexStore } from '../../../src/rag/index/store.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';

const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const logger = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-concurrent-'));
const docs = path.join(tmp, 'docs');
let embedder: Embedder;

beforeAll(async () => {
  embedder = await createEmbedder(FIXTURE);
  mkdirSync(path.join(docs, 'img'), { recursive: true });
  for (let i = 0; i < 6; i++) {
    const png = await sharp({ create: { width: 80, height: 60, channels: 3, background: { r: 40 * i, g: 200 - 30 * i, b: 90 } } }).png().toBuffer();
    writeFileSync(path.join(docs, 'img', `fig-${i}.png`), png);
  }
  writeFileSync(path.join(docs, 'img', 'broken.png'), Buffer.from('not a png at all'));
  for (let d = 0; d < 9; d++) {
    const figures = [`![Chart ${d}](img/fig-${d % 6}.png)`, d === 4 ? '![Broken chart](img/broken.png)' : '', d === 6 ? '![Missing chart](img/nowhere.png)' : ''].join('\n\n');
    writeFileSync(path.join(docs, `doc-${d}.md`), `# Document ${d}\n\n## Setup\n\nStep ${d}: the worker posts the answer.\n\n${figures}\n`);
  }
  writeFileSync(path.join(docs, 'corrupt.png'), Buffer.from('garbage, not an image'));
});

afterAll(async () => {
  await embedder.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function run(name: string, concurrency: number) {
  const config = loadConfig({ DATA_DIR: path.join(tmp, name), EMBEDDING_MODEL: FIXTURE, OCR_ENABLED: 'false' });
  const summary = await ingest([docs], { config, logger }, { embedder, concurrency });
  const store = (await IndexStore.open(config.dataDir))!;
  const rows = {
    chunks: (await store.loadChunks()).map((c) => `${c.source}|${c.id}|${c.text}`).sort(),
    figures: (await store.loadFigures()).map((f) => `${f.source}|${f.id}|${f.caption}|${f.imageHash}`).sort(),
    documents: (await store.documents()).map((d) => d.source).sort(),
  };
  await store.close();
  return { summary, rows };
}

describe('ingest with several documents at once', () => {
  it('builds the same index and the same summary as one at a time; bad documents and figures fail alone', async () => {
    const one = await run('one', 1);
    const many = await run('many', 4);
    expect(many.rows).toEqual(one.rows);
    const { ms: _a, ...a } = one.summary;
    const { ms: _b, ...b } = many.summary;
    expect(b).toEqual(a); // counts, and failures/skips/warnings in input order
    expect(many.summary.documents).toMatchObject({ added: 9, failed: 1 });
    expect(many.summary.failures.map((f) => f.source)).toEqual(expect.arrayContaining([expect.stringContaining('corrupt.png'), expect.stringContaining('doc-4.md › figure'), expect.stringContaining('doc-6.md › figure')]));
    // The documents with a bad figure kept their good figure and their text.
    for (const d of [4, 6]) expect(many.rows.figures.filter((f) => f.includes(`doc-${d}.md`))).toHaveLength(1);
    expect(many.rows.figures).toHaveLength(9);

    const again = await ingest([docs], { config: loadConfig({ DATA_DIR: path.join(tmp, 'many'), EMBEDDING_MODEL: FIXTURE, OCR_ENABLED: 'false' }), logger }, { embedder, concurrency: 4 });
    expect(again.documents).toMatchObject({ added: 0, updated: 0, unchanged: 9, failed: 1 });
  });
});
