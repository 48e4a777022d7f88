/** Incremental ingest by content hash, --prune, standalone images with sidecar captions, URLs. */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { figuresDir, ingest } from '../../../src/rag/ingest/ingest.js';
import { openKnowledgeBase } from '../../../src/rag/knowledge-base.js';

const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const logger = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-incr-'));
let embedder: Embedder;

const image = (color: string, width = 64, height = 48) => sharp({ create: { width, height, channels: 3, background: color } }).png().toBuffer();

beforeAll(async () => {
  embedder = await createEmbedder(FIXTURE);
});
afterAll(async () => {
  await embedder.close();
  rmSync(tmp, { recursive: true, force: true });
});

async function everything(config: ReturnType<typeof loadConfig>) {
  const kb = await openKnowledgeBase({ config, logger, embedder });
  const r = await kb.search({ text: 'anything at all' }, { textK: 1000, figureK: 1000 });
  await kb.close();
  return r;
}

describe('incremental ingest', () => {
  const docs = path.join(tmp, 'docs');
  const config = loadConfig({ DATA_DIR: path.join(tmp, 'data'), EMBEDDING_MODEL: FIXTURE });

  it('skips unchanged documents, replaces changed ones, prunes deleted ones', async () => {
    mkdirSync(path.join(docs, 'img'), { recursive: true });
    writeFileSync(path.join(docs, 'img', 'blue.png'), await image('#0000ff'));
    writeFileSync(path.join(docs, 'a.md'), '# A\n\nFirst version of A.\n\n![Blue box](img/blue.png)\n');
    writeFileSync(path.join(docs, 'b.md'), '# B\n\nDocument B stays the same.\n');

    const first = await ingest([docs], { config, logger }, { embedder });
    expect(first.documents).toMatchObject({ added: 2, unchanged: 0 });
    expect(first.figures.added).toBe(1); // img/blue.png is A's figure, not a document of its own
    const foldersBefore = readdirSync(figuresDir(config.dataDir));

    rmSync(path.join(docs, 'img', 'blue.png'));
    writeFileSync(path.join(docs, 'img', 'red.png'), await image('#ff0000'));
    writeFileSync(path.join(docs, 'a.md'), '# A\n\nSecond version of A, rewritten.\n\n![Red box now](img/red.png)\n');
    // graceMs 0: no reader of the previous generation to keep its figure files for.
    const second = await ingest([docs], { config, logger }, { embedder, graceMs: 0 });
    expect(second.documents).toMatchObject({ added: 0, updated: 1, unchanged: 1 });
    const after = await everything(config);
    const contexts = after.chunks.map((c) => c.context);
    expect(contexts).toContain('Second version of A, rewritten.');
    expect(contexts).not.toContain('First version of A.');
    expect(after.figures.map((f) => f.caption)).toEqual(['Red box now']);
    // The old revision's stored figure is gone (no row uses it), the new one is on disk.
    const foldersAfter = readdirSync(figuresDir(config.dataDir));
    expect(foldersAfter).toHaveLength(foldersBefore.length);
    expect(foldersAfter).not.toEqual(foldersBefore);
    expect(existsSync(after.figures[0]!.imagePath)).toBe(true);
    expect(path.basename(after.figures[0]!.imagePath)).toBe('red.png');

    const third = await ingest([docs], { config, logger }, { embedder });
    expect(third.documents).toMatchObject({ added: 0, updated: 0, unchanged: 2 });
    expect(third.chunks.added + third.figures.added).toBe(0);

    rmSync(path.join(docs, 'b.md'));
    const withoutPrune = await ingest([docs], { config, logger }, { embedder });
    expect(withoutPrune.totalDocuments).toBe(2);
    const pruned = await ingest([docs], { config, logger }, { embedder, prune: true });
    expect(pruned.documents.pruned).toBe(1);
    expect(pruned.totalDocuments).toBe(1);
    expect((await everything(config)).chunks.every((c) => c.source.endsWith('a.md'))).toBe(true);
  });

  it('re-ingests an image when only its sidecar caption changes', async () => {
    const dir = path.join(tmp, 'photos');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'chart.png'), await image('#ff8800'));
    writeFileSync(path.join(dir, 'chart.txt'), 'Quarterly latency chart of the worker.');
    writeFileSync(path.join(dir, 'plain-photo.jpg'), await sharp(await image('#00aa00')).jpeg().toBuffer());
    const gif = await sharp(await image('#aa00aa', 32, 32)).gif().toBuffer();
    writeFileSync(path.join(dir, 'anim.gif'), gif);
    const cfg = loadConfig({ DATA_DIR: path.join(tmp, 'data-photos'), EMBEDDING_MODEL: FIXTURE });

    const first = await ingest([dir], { config: cfg, logger }, { embedder });
    expect(first.failures).toEqual([]);
    expect(first.documents.added).toBe(3); // chart.txt is a caption, not a document
    const figures = (await everything(cfg)).figures;
    const byName = Object.fromEntries(figures.map((f) => [path.basename(f.imagePath), f]));
    // GIF is converted (first frame) to PNG; the JPEG, already 8-bit sRGB, keeps its bytes.
    expect(Object.keys(byName).sort()).toEqual(['anim.png', 'chart.png', 'plain-photo.jpg']);
    expect(byName['chart.png']!.caption).toBe('Quarterly latency chart of the worker.');
    expect(byName['plain-photo.jpg']!.caption).toBe('plain photo');
    expect(byName['anim.png']).toMatchObject({ width: 32, height: 32 });

    writeFileSync(path.join(dir, 'chart.txt'), 'Monthly error-rate chart.');
    const second = await ingest([dir], { config: cfg, logger }, { embedder });
    expect(second.documents).toMatchObject({ updated: 1, unchanged: 2 });
    const updated = (await everything(cfg)).figures.find((f) => f.imagePath.endsWith('chart.png'));
    expect(updated!.caption).toBe('Monthly error-rate chart.');
  });

  it('ingests an HTML page by URL with its relative images, keyed by the URL', async () => {
    const png = await image('#123456');
    const server = http.createServer((req, res) => {
      if (req.url === '/blog/post.html') {
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
        res.end('<html><head><title>A post</title></head><body><h2>Diagram</h2><p>The queue feeds the worker.</p><figure><img src="img/diagram.png"><figcaption>Queue to worker diagram</figcaption></figure></body></html>');
      } else if (req.url === '/blog/img/diagram.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/blog/post.html`;
    try {
      const cfg = loadConfig({ DATA_DIR: path.join(tmp, 'data-url'), EMBEDDING_MODEL: FIXTURE });
      const summary = await ingest([url], { config: cfg, logger }, { embedder });
      expect(summary.failures).toEqual([]);
      const all = await everything(cfg);
      expect(all.chunks[0]).toMatchObject({ source: url, title: 'A post', section: 'Diagram', context: 'The queue feeds the worker.' });
      expect(all.figures[0]).toMatchObject({ source: url, caption: 'Queue to worker diagram', section: 'Diagram' });
      expect(path.basename(all.figures[0]!.imagePath)).toBe('diagram.png');
      const again = await ingest([url], { config: cfg, logger }, { embedder });
      expect(again.documents.unchanged).toBe(1);
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('one writer at a time', () => {
  it('refuses a second ingest while one holds the lock, and takes over a stale lock', async () => {
    const { acquireWriteLock } = await import('../../../src/rag/index/write-lock.js');
    const { indexDir } = await import('../../../src/rag/index/store.js');
    const dataDir = path.join(tmp, 'data-lock');
    const config = loadConfig({ DATA_DIR: dataDir, EMBEDDING_MODEL: FIXTURE });
    const lock = await acquireWriteLock({ config, logger });
    await expect(ingest(['data/articles/slack-setup.md'], { config, logger }, { embedder })).rejects.toMatchObject({ code: 'index_busy' });
    await lock.release();
    // A lock whose process is gone (pid far above pid_max) does not block forever.
    writeFileSync(path.join(indexDir(dataDir), 'ingest.lock'), '99999999');
    const summary = await ingest(['data/articles/slack-setup.md'], { config, logger }, { embedder });
    expect(summary.documents.added).toBe(1);
    expect(existsSync(path.join(indexDir(dataDir), 'ingest.lock'))).toBe(false);
  });
});
