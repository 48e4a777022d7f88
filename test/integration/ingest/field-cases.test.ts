/**
 * Every case of the field inputs (test/fixtures/field, copied from shared/field; its README says
 * what a reader sees and what the index must hold) as a test against the real ingest: tiny CLIP
 * fixture, real tesseract OCR, LanceDB, and for `ask` the real answerer against the Ollama
 * stand-in.
 */
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestExitCode } from '../../../src/cli/commands/ingest.js';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createAnswerer } from '../../../src/rag/answer/index.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { normaliseImage } from '../../../src/rag/image/normalise.js';
import { IndexStore } from '../../../src/rag/index/store.js';
import { ingest, type IngestOptions } from '../../../src/rag/ingest/ingest.js';
import { openKnowledgeBase } from '../../../src/rag/knowledge-base.js';
import { createOcr, type OcrEngine } from '../../../src/rag/ocr/ocr.js';
import type { SearchResult } from '../../../src/rag/types.js';
import { startOllamaStandIn, type OllamaStandIn } from '../../platforms/ollama-standin.js';

const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const FIELD = path.resolve('test/fixtures/field');
const logger = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-field-'));
let embedder: Embedder;
let ocr: OcrEngine;
let standIn: OllamaStandIn;

beforeAll(async () => {
  embedder = await createEmbedder(FIXTURE);
  ocr = createOcr({ langs: 'eng', workers: 1 });
  standIn = await startOllamaStandIn({ chat: () => ({ kind: 'reply', tokens: ['It is shown here ', '[F1].'] }) });
});
afterAll(async () => {
  await standIn.close();
  await ocr.close();
  await embedder.close();
  rmSync(tmp, { recursive: true, force: true });
});

let runs = 0;
const configFor = (dataDir: string) => loadConfig({ DATA_DIR: dataDir, EMBEDDING_MODEL: FIXTURE, OLLAMA_HOST: standIn.url, LOG_LEVEL: 'silent' });

/** Ingest `inputs` into a fresh DATA_DIR; returns the summary, everything searchable and the config. */
async function ingestFresh(inputs: string[], options: IngestOptions = {}) {
  const config = configFor(path.join(tmp, `data-${++runs}`));
  const summary = await ingest(inputs, { config, logger }, { embedder, ocr, ...options });
  const all = await searchAll(config, 'anything');
  return { summary, all, config };
}

async function searchAll(config: ReturnType<typeof configFor>, text: string, k = 100): Promise<SearchResult> {
  const kb = await openKnowledgeBase({ config, logger, embedder });
  try {
    return await kb.search({ text }, { textK: k, figureK: k });
  } finally {
    await kb.close();
  }
}

/**
 * The figures `ask` attaches for `question`: the real answerer, with the Ollama stand-in playing
 * a model that cites the figure whose text in the prompt matches `about` (as a model reading the
 * figure blocks would), so the test depends on retrieval putting the figure in the prompt, not
 * on the random fixture's ranking.
 */
async function askFigures(config: ReturnType<typeof configFor>, question: string, about: RegExp): Promise<string[]> {
  standIn.setChat((request) => {
    const user = String(request.messages?.at(-1)?.content ?? '');
    const hit = [...user.matchAll(/<figure id="F(\d+)"[^>]*>\n([\s\S]*?)\n<\/figure>/g)].find((m) => about.test(m[2]!));
    return { kind: 'reply', tokens: [hit ? `It is shown in [F${hit[1]}].` : 'No figure shows it.'] };
  });
  const answerer = await createAnswerer({ config, logger });
  try {
    return (await answerer.answer(question)).figures.map((f) => path.basename(f.imagePath));
  } finally {
    await answerer.close();
  }
}

const hashOf = async (file: string) => (await normaliseImage(readFileSync(file))).hash;

describe('html-lazy-img', () => {
  it('indexes the two images a reader sees (their pixels, with captions), no placeholder; ask attaches the diagram', async () => {
    const { summary, all, config } = await ingestFresh([path.join(FIELD, 'html-lazy-img')]);
    expect(summary.failures).toEqual([]);
    expect(summary.documents.added).toBe(1); // the images are the page's figures, not documents
    const byName = Object.fromEntries(all.figures.map((f) => [path.basename(f.imagePath), f]));
    expect(Object.keys(byName).sort()).toEqual(['queue-diagram.png', 'retry-chart.png']);
    expect((byName['queue-diagram.png'] as unknown as { imageHash: string }).imageHash).toBe(await hashOf(path.join(FIELD, 'html-lazy-img/img/queue-diagram.png')));
    expect((byName['retry-chart.png'] as unknown as { imageHash: string }).imageHash).toBe(await hashOf(path.join(FIELD, 'html-lazy-img/img/retry-chart.png')));
    expect(byName['queue-diagram.png']!.caption).toContain('The bot, the queue and the worker.');
    expect(byName['retry-chart.png']!.caption).toBe('Chart of retry attempts with doubling waits between them');
    expect(all.figures.every((f) => (f.width ?? 0) > 1 && (f.height ?? 0) > 1)).toBe(true);
    expect(byName['retry-chart.png']!.ocrText).toMatch(/Wait 2s[\s\S]*Wait 4s/);

    expect(await askFigures(config, 'What does the queue diagram show?', /queue/i)).toEqual(['queue-diagram.png']);
    // The figure's OCR text goes to the model with it.
    expect(String(standIn.chatRequests().at(-1)!.messages!.at(-1)!.content)).toMatch(/The bot, the queue and the worker\.\nText in the figure: Bot\s+Queue\s+Worker/);
  });
});

describe('md-html-img', () => {
  it('indexes the architecture picture with its alt text and section; the 24 px icon is listed as skipped; exit 0', async () => {
    const { summary, all } = await ingestFresh([path.join(FIELD, 'md-html-img')]);
    expect(all.figures.map((f) => [path.basename(f.imagePath), f.caption, f.section])).toEqual([['architecture.png', 'Architecture overview: chat, gateway, queue and worker', 'Widget service']]);
    expect(summary.skipped).toEqual([
      { source: expect.stringMatching(/md-html-img\/widget\.md › figure images\/cache-icon\.png$/), reason: 'shown at 24×24 px, below the 32 px minimum (icon, spacer or tracking pixel)' },
    ]);
    expect(summary.documents).toMatchObject({ added: 1, failed: 0 });
    expect(ingestExitCode(summary)).toBe(0);
  });
});

describe('html-charset', () => {
  const bytes = readFileSync(path.join(FIELD, 'html-charset/cafe-1252.html'));
  const paragraph = 'The café on floor two opens at 08:00 – “early birds” get a free croissant. A coffee costs €2.';

  it('decodes the windows-1252 file by its meta charset; "croissant" and "café" find it', async () => {
    const { summary, all, config } = await ingestFresh([path.join(FIELD, 'html-charset/cafe-1252.html')]);
    expect(summary.failures).toEqual([]);
    expect(all.chunks.map((c) => c.title)).toContain('Café opening hours');
    expect(all.chunks.map((c) => c.context)).toContain(paragraph);
    for (const word of ['croissant', 'café']) expect((await searchAll(config, word, 1)).chunks[0]!.context).toBe(paragraph);
  });

  it('decodes the same bytes served with an HTTP charset and no meta tag the same way; a .md served as text/plain is Markdown', async () => {
    const noMeta = Buffer.from(bytes.toString('latin1').replace('<meta charset="windows-1252">', ''), 'latin1');
    const server = http.createServer((req, res) => {
      if (req.url === '/cafe') res.writeHead(200, { 'content-type': 'text/html; charset=windows-1252' }).end(noMeta);
      else if (req.url === '/docs/guide.md') res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end('---\ntitle: Served guide\n---\n\n## Opening\n\nThe kitchen opens at nine.\n');
      else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const { summary, all } = await ingestFresh([`${base}/cafe`, `${base}/docs/guide.md`]);
      expect(summary.failures).toEqual([]);
      expect(all.chunks.find((c) => c.source.endsWith('/cafe'))!.context).toBe(paragraph);
      expect(all.chunks.find((c) => c.source.endsWith('guide.md'))).toMatchObject({ title: 'Served guide', section: 'Opening', context: 'The kitchen opens at nine.' });
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});

describe('html-table', () => {
  it('"retention period of the Team plan" retrieves the chunk holding the Team row under the headers', async () => {
    const { config } = await ingestFresh([path.join(FIELD, 'html-table')]);
    const result = await searchAll(config, 'retention period of the Team plan', 3);
    const team = result.chunks.find((c) => c.text.includes('Team | 15 MB | 21 days | no'));
    expect(team).toBeDefined();
    expect(team!.text).toContain('Plan | Max upload | Retention | SSO\n');
    expect(team!.context.split('\n')[0]).toBe('Plan | Max upload | Retention | SSO');
  });
});

describe('pdf-repeated-logo', () => {
  it('indexes the page-6 diagram, never the logo (listed as decoration); ask attaches the diagram', async () => {
    const { summary, all, config } = await ingestFresh([path.join(FIELD, 'pdf-repeated-logo')]);
    expect(summary.failures).toEqual([]);
    expect(all.figures.map((f) => [f.page, f.width, f.height])).toEqual([[6, 300, 140]]);
    expect(summary.skipped.map((s) => s.reason)).toEqual(['drawn on 12 of 12 pages: a logo or page decoration, not content']);
    const attached = await askFigures(config, 'Show me the indexing pipeline diagram', /indexing pipeline/i);
    expect(attached).toEqual([path.basename(all.figures[0]!.imagePath)]);
  });
});

describe('img-transparent', () => {
  it('normalised onto white, the transparent drawing is the white one (stored once) and embeds closer to it than to the black square', async () => {
    const { summary, config } = await ingestFresh([path.join(FIELD, 'img-transparent')]);
    expect(summary.failures).toEqual([]);
    const store = (await IndexStore.open(config.dataDir))!;
    const rows = await store.loadFigures();
    await store.close();
    const row = (name: string) => rows.find((r) => r.source.endsWith(name))!;
    const [t, w, b] = [row('flow-transparent.png'), row('flow-white.png'), row('all-black.png')];
    const dot = (x: Float32Array, y: Float32Array) => x.reduce((s, v, i) => s + v * y[i]!, 0);
    expect(t.imagePath).toBe(w.imagePath); // identical pixels after normalisation: one stored file
    expect(dot(t.vector!, w.vector!)).toBeGreaterThan(dot(t.vector!, b.vector!));
  });
});

describe('img-formats', () => {
  it('ingests every encoding as a figure with its displayed size, stored as 8-bit sRGB', async () => {
    const { summary, all } = await ingestFresh([path.join(FIELD, 'img-formats')]);
    expect(summary.failures).toEqual([]);
    expect(summary.documents.added).toBe(6);
    expect(all.figures).toHaveLength(6);
    for (const f of all.figures) {
      expect([f.width, f.height]).toEqual([360, 160]);
      expect(await sharp(readFileSync(f.imagePath)).metadata()).toMatchObject({ channels: 3, depth: 'uchar', space: 'srgb', hasAlpha: false });
    }
  });
});

describe('img-formats-in-article', () => {
  it('indexes the article text and both figures (one is grey+alpha)', async () => {
    const { summary, all } = await ingestFresh([path.join(FIELD, 'img-formats-in-article')]);
    expect(summary.failures).toEqual([]);
    const text = all.chunks.map((c) => c.context).join('\n');
    expect(text).toContain('Search combines keyword and vector matching.');
    expect(text).toContain('Results are fused by rank.');
    expect(all.figures.map((f) => f.caption).sort()).toEqual(['Pipeline in colour', 'Pipeline, greyscale export with transparency']);
  });

  it('a figure that cannot be decoded fails alone: the text and the other figures are indexed, exit 0', async () => {
    const dir = path.join(tmp, 'broken-article');
    cpSync(path.join(FIELD, 'img-formats-in-article'), dir, { recursive: true });
    writeFileSync(path.join(dir, 'broken.png'), Buffer.concat([readFileSync(path.join(dir, 'ref-rgb8.png')).subarray(0, 100), Buffer.from('garbage')]));
    copyFileSync(path.join(dir, 'guide.md'), path.join(dir, 'guide.orig'));
    writeFileSync(path.join(dir, 'guide.md'), readFileSync(path.join(dir, 'guide.orig'), 'utf8') + '\n![A broken export](broken.png)\n');
    rmSync(path.join(dir, 'guide.orig'));
    const { summary, all } = await ingestFresh([dir]);
    expect(summary.documents).toMatchObject({ added: 1, failed: 0 });
    expect(summary.failures).toEqual([{ source: expect.stringMatching(/guide\.md › figure broken\.png$/), reason: expect.stringMatching(/corrupt or unsupported image data/) }]);
    expect(all.figures).toHaveLength(2);
    expect(all.chunks.map((c) => c.context).join('\n')).toContain('Results are fused by rank.');
    expect(ingestExitCode(summary)).toBe(0);
  });
});

describe('chat-unsupported-image, ingested as documents', () => {
  it('PNG, BMP, AVIF, TIFF and SVG files each become a PNG/JPEG figure of the displayed size', async () => {
    const { summary, all } = await ingestFresh([path.join(FIELD, 'chat-unsupported-image')]);
    expect(summary.failures).toEqual([]);
    expect(all.figures.map((f) => [path.basename(f.source), path.extname(f.imagePath), f.width, f.height]).sort()).toEqual([
      ['diagram.svg', '.png', 200, 100],
      ['screenshot.avif', '.jpg', 200, 100],
      ['screenshot.bmp', '.png', 200, 100],
      ['screenshot.png', '.png', 200, 100],
      ['screenshot.tiff', '.png', 200, 100],
    ]);
    expect(all.figures.find((f) => f.source.endsWith('diagram.svg'))!.ocrText).toMatch(/Error[\s\S]*500/);
  });
});
