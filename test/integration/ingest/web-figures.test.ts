/**
 * A web page served over HTTP with images shown every way a browser shows them (lazy-load
 * attributes of several libraries, srcset, <picture>, <noscript>, an SVG file, inline SVG),
 * plus decoration that must not become a figure (a tracking pixel — never even downloaded —,
 * a hidden image, a placeholder with no real source), and a folder with nothing supported.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatIngestSummary, ingestExitCode } from '../../../src/cli/commands/ingest.js';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import { openKnowledgeBase } from '../../../src/rag/knowledge-base.js';
import { startTestHttpServer, type TestHttpServer } from '../../helpers/http-server.js';

const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const logger = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-web-'));
const PIXEL = 'data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==';
let embedder: Embedder;
let server: TestHttpServer;
let base: string;
const files: Record<string, { type: string; body: Buffer }> = {};

/** A distinct picture per name (colour + stripes), so that each figure's pixels can be told apart. */
const picture = (hue: number, width = 240, height = 120) =>
  sharp({ create: { width, height, channels: 3, background: { r: hue, g: 255 - hue, b: 90 } } })
    .composite([{ input: Buffer.from(`<svg width="${width}" height="${height}"><rect x="10" y="10" width="${hue % 200 + 20}" height="30" fill="#000"/></svg>`) }])
    .png()
    .toBuffer();

beforeAll(async () => {
  embedder = await createEmbedder(FIXTURE);
  const names = ['lazysizes.png', 'wordpress.png', 'jquery.png', 'big.png', 'small.png', 'picture.png', 'noscript.png', 'fallback.jpg'];
  for (const [i, name] of names.entries()) files[`/img/${name}`] = { type: 'image/png', body: await picture(20 + i * 25) };
  files['/img/flow.svg'] = {
    type: 'image/svg+xml',
    body: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="120"><rect width="320" height="120" fill="#fff"/><rect x="20" y="30" width="120" height="60" fill="none" stroke="#000" stroke-width="4"/></svg>'),
  };
  const inline = (await picture(240)).toString('base64');
  files['/img/pixel.gif'] = { type: 'image/gif', body: Buffer.from(PIXEL.split(',')[1]!, 'base64') };
  files['/post.html'] = {
    type: 'text/html; charset=utf-8',
    body: Buffer.from(`<!doctype html><html><head><title>Gallery</title></head><body><h1>Gallery</h1><p>Every way a page shows a picture.</p>
      <img src="${PIXEL}" data-src="img/lazysizes.png" alt="Lazysizes image">
      <img src="img/pixel.gif" data-lazy-src="img/wordpress.png" alt="WordPress lazy image">
      <img src="img/grey.gif" data-original="img/jquery.png" alt="jQuery lazyload image">
      <img src="img/small.png" srcset="img/small.png 400w, img/big.png 1600w" alt="Responsive image">
      <picture><source srcset="img/picture.png" type="image/png"><img src="img/fallback.jpg" alt="Picture element"></picture>
      <figure><img class="js-only" src="${PIXEL}" alt="Scripted"><noscript><img src="img/noscript.png" alt="Scripted"></noscript><figcaption>Shown by a script</figcaption></figure>
      <img src="img/flow.svg" alt="Flow as an SVG file">
      <img src="data:image/png;base64,${inline}" alt="Inline base64 diagram">
      <figure><svg width="300" height="100" viewBox="0 0 300 100"><rect width="300" height="100" fill="#eee"/><circle cx="50" cy="50" r="30" fill="#c00"/></svg><figcaption>Figure 9: inline drawing</figcaption></figure>
      <img src="https://tracker.invalid/p.gif?id=1" width="1" height="1" alt="">
      <img src="img/hidden.png" style="display:none">
      <img src="${PIXEL}" alt="Placeholder whose script never ran">
      </body></html>`),
  };
  server = await startTestHttpServer((req, res) => {
    const file = files[req.url ?? ''];
    if (file) res.writeHead(200, { 'content-type': file.type }).end(file.body);
    else res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
  });
  base = server.url;
});

afterAll(async () => {
  await server.close();
  await embedder.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('a page served over HTTP', () => {
  it('indexes every image a browser shows, with its real pixels; decoration is skipped and listed', async () => {
    const config = loadConfig({ DATA_DIR: path.join(tmp, 'data-web'), EMBEDDING_MODEL: FIXTURE });
    const summary = await ingest([`${base}/post.html`], { config, logger }, { embedder, ocr: false });
    expect(summary.failures).toEqual([]);
    const kb = await openKnowledgeBase({ config, logger, embedder });
    const all = await kb.search({ text: 'image' }, { figureK: 100 });
    await kb.close();
    const byCaption = Object.fromEntries(all.figures.map((f) => [f.caption, f]));
    expect(Object.keys(byCaption).sort()).toEqual(
      ['Flow as an SVG file', 'Figure 9: inline drawing', 'Inline base64 diagram', 'Lazysizes image', 'Picture element', 'Responsive image', 'Scripted — Shown by a script', 'WordPress lazy image', 'jQuery lazyload image'].sort(),
    );
    const pixelsOf = async (bytes: Buffer) => sharp(bytes).removeAlpha().raw().toBuffer();
    const expected: Record<string, string> = {
      'Lazysizes image': '/img/lazysizes.png',
      'WordPress lazy image': '/img/wordpress.png',
      'jQuery lazyload image': '/img/jquery.png',
      'Responsive image': '/img/big.png',
      'Picture element': '/img/picture.png',
      'Scripted — Shown by a script': '/img/noscript.png',
    };
    for (const [caption, file] of Object.entries(expected)) {
      expect((await pixelsOf(readFileSync(byCaption[caption]!.imagePath))).equals(await pixelsOf(files[file]!.body)), caption).toBe(true);
    }
    expect(byCaption['Flow as an SVG file']).toMatchObject({ width: 320, height: 120 });
    expect(byCaption['Figure 9: inline drawing']).toMatchObject({ width: 300, height: 100 });
    expect(path.basename(byCaption['Figure 9: inline drawing']!.imagePath)).toBe('inline-svg-1.png');
    expect(path.basename(byCaption['Inline base64 diagram']!.imagePath)).toBe('inline-image.png');

    expect(summary.skipped.map((s) => s.reason).sort()).toEqual(
      ['hidden in the page (hidden / display:none)', 'shown at 1×1 px, below the 32 px minimum (icon, spacer or tracking pixel)', 'shown at 1×1 px, below the 32 px minimum (icon, spacer or tracking pixel)'].sort(),
    );
    // The tracking pixel was judged by its declared size and never downloaded; neither was the hidden image.
    expect(server.requested.some((r) => r.includes('p.gif') || r.includes('hidden.png'))).toBe(false);
    expect(server.requested).not.toContain('/img/small.png');
  });
});

describe('nothing supported', () => {
  it('says which paths held nothing it can read and why, and exits non-zero', async () => {
    const dir = path.join(tmp, 'office');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'plan.docx'), 'PK fake');
    writeFileSync(path.join(dir, 'budget.xlsx'), 'PK fake');
    const config = loadConfig({ DATA_DIR: path.join(tmp, 'data-office'), EMBEDDING_MODEL: FIXTURE });
    const summary = await ingest([dir], { config, logger }, { embedder, ocr: false });
    expect(summary.considered).toBe(0);
    expect(summary.skipped).toEqual([
      { source: expect.stringMatching(/office\/budget\.xlsx$/), reason: 'unsupported file type .xlsx' },
      { source: expect.stringMatching(/office\/plan\.docx$/), reason: 'unsupported file type .docx' },
    ]);
    expect(ingestExitCode(summary)).toBe(1);
    const text = formatIngestSummary(summary);
    expect(text).toContain('nothing to ingest: no supported document');
    expect(text).toMatch(/skipped:\n {2}\S*budget\.xlsx: unsupported file type \.xlsx\n {2}\S*plan\.docx: unsupported file type \.docx/);
  });
});
