/**
 * Every bad input named in the issue is reported in the summary with its reason, the rest of
 * the run continues, and nothing already indexed is lost.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { ingest, type IngestSummary } from '../../../src/rag/ingest/ingest.js';
import { openKnowledgeBase } from '../../../src/rag/knowledge-base.js';
import { buildPdf, image, pattern, textLines } from '../../helpers/pdf-builder.js';
import { startTestHttpServer, type TestHttpServer } from '../../helpers/http-server.js';

const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const logger = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-bad-'));
let embedder: Embedder;
let server: TestHttpServer;
let base: string;
let png: Buffer;

beforeAll(async () => {
  embedder = await createEmbedder(FIXTURE);
  png = await sharp({ create: { width: 60, height: 40, channels: 3, background: '#2266aa' } }).png().toBuffer();
  server = await startTestHttpServer((req, res) => {
    if (req.url === '/ok.png') res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    else if (req.url === '/not-image.png') res.writeHead(200, { 'content-type': 'text/html' }).end('<html>nope</html>');
    else if (req.url === '/slow.png') res.writeHead(200, { 'content-type': 'image/png' }).write(png.subarray(0, 10)); // then stalls
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  base = server.url;
});

afterAll(async () => {
  await server.close();
  await embedder.close();
  rmSync(tmp, { recursive: true, force: true });
});

const reasonFor = (summary: IngestSummary, needle: string) => summary.failures.find((f) => f.source.includes(needle))?.reason;

describe('bad input', () => {
  it('reports each bad file with a reason and ingests the good ones', async () => {
    const docs = path.join(tmp, 'docs');
    mkdirSync(docs);
    writeFileSync(path.join(docs, 'good.md'), '# Good\n\nThe worker posts the answer back to the thread.\n');
    writeFileSync(path.join(docs, 'corrupt.png'), Buffer.concat([png.subarray(0, 40), Buffer.from('garbage that is not image data')]));
    writeFileSync(path.join(docs, 'truncated.pdf'), buildPdf([{ content: textLines(['some text']) }]).subarray(0, 150));
    writeFileSync(path.join(docs, 'latin1.txt'), Buffer.from('Caf\xe9 cr\xe8me, na\xefve r\xe9sum\xe9\n', 'latin1'));
    writeFileSync(path.join(docs, 'nobody.html'), '<!DOCTYPE html><html><head><title>Empty</title></head></html>');
    // 100 MB without writing 100 MB: a sparse file.
    const fd = openSync(path.join(docs, 'huge.txt'), 'w');
    ftruncateSync(fd, 100 * 1024 * 1024);
    closeSync(fd);
    writeFileSync(path.join(docs, 'remote.md'), `# Remote figures\n\nIntro paragraph.\n\n![works](${base}/ok.png)\n\n![gone](${base}/missing.png)\n\n![wrong type](${base}/not-image.png)\n\n![ftp](ftp://127.0.0.1/x.png)\n`);

    const config = loadConfig({ DATA_DIR: path.join(tmp, 'data'), EMBEDDING_MODEL: FIXTURE });
    const summary = await ingest([docs, path.join(tmp, 'does-not-exist.md')], { config, logger }, { embedder });

    expect(reasonFor(summary, 'corrupt.png')).toMatch(/corrupt or unsupported image/);
    expect(reasonFor(summary, 'truncated.pdf')).toMatch(/unreadable PDF/);
    // Undeclared legacy text is not refused: it is decoded as windows-1252 (as browsers do) and the summary says so.
    expect(reasonFor(summary, 'latin1.txt')).toBeUndefined();
    expect(summary.warnings.find((w) => w.source.endsWith('latin1.txt'))?.message).toMatch(/not valid UTF-8 and no charset declared: decoded as windows-1252/);
    expect(reasonFor(summary, 'nobody.html')).toMatch(/no body/);
    expect(reasonFor(summary, 'huge.txt')).toMatch(/too large \(100\.0 MB, limit 50\.0 MB\)/);
    expect(reasonFor(summary, 'does-not-exist.md')).toBe('not found');
    expect(reasonFor(summary, 'missing.png')).toBe('HTTP 404');
    expect(reasonFor(summary, 'not-image.png')).toMatch(/expected an image, got content type "text\/html"/);
    expect(reasonFor(summary, 'ftp://')).toMatch(/only http and https/);
    expect(summary.documents).toMatchObject({ added: 3, failed: 5 });
    expect(summary.figures).toMatchObject({ added: 1, failed: 3 });

    const kb = await openKnowledgeBase({ config, logger, embedder });
    const result = await kb.search({ text: 'remote figures works' }, { figureK: 10, textK: 20 });
    await kb.close();
    expect(new Set(result.chunks.map((c) => path.basename(c.source)))).toEqual(new Set(['good.md', 'remote.md', 'latin1.txt']));
    expect(result.chunks.find((c) => c.source.endsWith('latin1.txt'))?.context).toBe('Café crème, naïve résumé');
    expect(result.figures.map((f) => path.basename(f.imagePath))).toEqual(['ok.png']);
    expect(result.figures[0]!.imagePath.startsWith(config.dataDir)).toBe(true);
  });

  it('enforces the download size cap and time limit', async () => {
    const docs = path.join(tmp, 'limits');
    mkdirSync(docs);
    writeFileSync(path.join(docs, 'limits.md'), `# Limits\n\nText stays.\n\n![big](${base}/ok.png)\n\n![slow](${base}/slow.png)\n`);
    const config = loadConfig({ DATA_DIR: path.join(tmp, 'data-limits'), EMBEDDING_MODEL: FIXTURE });
    const summary = await ingest([docs], { config, logger }, { embedder, maxFileBytes: png.length - 1, fetchTimeoutMs: 300 });
    expect(reasonFor(summary, 'ok.png')).toMatch(/too large/);
    expect(reasonFor(summary, 'slow.png')).toMatch(/timed out after 300 ms/);
    expect(summary.documents.added).toBe(1);
  });

  it('loses nothing already indexed when a later run fails on a document', async () => {
    const docs = path.join(tmp, 'keep');
    mkdirSync(docs);
    const file = path.join(docs, 'keep.md');
    writeFileSync(file, '# Keep\n\nThe original paragraph about queue workers.\n');
    const config = loadConfig({ DATA_DIR: path.join(tmp, 'data-keep'), EMBEDDING_MODEL: FIXTURE });
    await ingest([docs], { config, logger }, { embedder });
    // The file is replaced by bytes that cannot be read as text: the run fails on it…
    writeFileSync(file, Buffer.from([0x23, 0x20, 0xff, 0xfe, 0x00, 0x80]));
    const failed = await ingest([docs], { config, logger }, { embedder });
    expect(failed.documents.failed).toBe(1);
    // …and the indexed version is still there, unchanged.
    const kb = await openKnowledgeBase({ config, logger, embedder });
    const result = await kb.search({ text: 'queue workers' });
    await kb.close();
    expect(result.chunks.map((c) => c.context)).toContain('The original paragraph about queue workers.');
  });

  it('reports a PDF page image and text, with page numbers', async () => {
    const docs = path.join(tmp, 'pdf');
    mkdirSync(docs);
    writeFileSync(
      path.join(docs, 'manual.pdf'),
      buildPdf([{ content: [...textLines(['Page one explains the worker.']), image('Im1', 72, 300, 96, 80)] }, { content: textLines(['Page two explains Slack.']) }], { Im1: pattern(48, 40) }, 'The Manual'),
    );
    const config = loadConfig({ DATA_DIR: path.join(tmp, 'data-pdf'), EMBEDDING_MODEL: FIXTURE });
    const summary = await ingest([docs], { config, logger }, { embedder });
    expect(summary.failures).toEqual([]);
    const kb = await openKnowledgeBase({ config, logger, embedder });
    const result = await kb.search({ text: 'Slack' }, { textK: 10 });
    await kb.close();
    expect(result.chunks.map((c) => [c.page, c.section, c.title]).sort()).toEqual([
      [1, 'Page 1', 'The Manual'],
      [2, 'Page 2', 'The Manual'],
    ]);
    expect(result.figures).toHaveLength(1);
    expect(result.figures[0]).toMatchObject({ page: 1, caption: 'Page one explains the worker.', width: 48, height: 40 });
  });
});
