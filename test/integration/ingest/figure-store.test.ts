/**
 * Figure files are content-addressed: identical bytes anywhere in the knowledge base are stored
 * once, a file another document still uses is never deleted, unreferenced ones are collected
 * after a commit, and the index records paths relative to DATA_DIR so it can move.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import * as lancedb from '@lancedb/lancedb';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { collectFigureGarbage, storeFigureFile } from '../../../src/rag/ingest/figure-files.js';
import { figuresDir, ingest } from '../../../src/rag/ingest/ingest.js';
import { openKnowledgeBase } from '../../../src/rag/knowledge-base.js';

const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const logger = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-store-'));
let embedder: Embedder;

beforeAll(async () => {
  embedder = await createEmbedder(FIXTURE);
});
afterAll(async () => {
  await embedder.close();
  rmSync(tmp, { recursive: true, force: true });
});

/** Hash folders under DATA_DIR/index/figures. */
const storedHashes = (dataDir: string) => (existsSync(figuresDir(dataDir)) ? readdirSync(figuresDir(dataDir)).flatMap((p) => readdirSync(path.join(figuresDir(dataDir), p))) : []);

async function figures(config: ReturnType<typeof loadConfig>) {
  const kb = await openKnowledgeBase({ config, logger, embedder });
  try {
    return (await kb.search({ text: 'diagram' }, { figureK: 100 })).figures;
  } finally {
    await kb.close();
  }
}

describe('content-addressed figure files', () => {
  it('stores identical bytes once across documents and keeps them while any document uses them', async () => {
    const docs = path.join(tmp, 'docs');
    mkdirSync(path.join(docs, 'img'), { recursive: true });
    mkdirSync(path.join(docs, 'pics'), { recursive: true });
    const png = await sharp({ create: { width: 120, height: 80, channels: 3, background: '#446688' } }).png().toBuffer();
    writeFileSync(path.join(docs, 'img', 'arch.png'), png);
    writeFileSync(path.join(docs, 'pics', 'same-picture.png'), png);
    writeFileSync(path.join(docs, 'a.md'), '# A\n\nFirst article.\n\n![Architecture in A](img/arch.png)\n');
    writeFileSync(path.join(docs, 'b.md'), '# B\n\nSecond article.\n\n![The same diagram in B](pics/same-picture.png)\n');
    const config = loadConfig({ DATA_DIR: path.join(tmp, 'data'), EMBEDDING_MODEL: FIXTURE });

    await ingest([docs], { config, logger }, { embedder, ocr: false });
    const both = await figures(config);
    expect(both.map((f) => f.caption).sort()).toEqual(['Architecture in A', 'The same diagram in B']);
    expect(new Set(both.map((f) => f.imagePath)).size).toBe(1);
    expect(storedHashes(config.dataDir)).toHaveLength(1);

    // The index holds the path relative to DATA_DIR; readers get it absolute.
    const db = await lancedb.connect(path.join(config.dataDir, 'index', 'lance'));
    const table = await db.openTable('figures');
    const raw = (await table.query().select(['imagePath']).toArray()).map((r) => String(r.imagePath));
    table.close();
    expect(raw.every((p) => p.startsWith('index/figures/') && !path.isAbsolute(p))).toBe(true);
    expect(both[0]!.imagePath).toBe(path.join(config.dataDir, raw[0]!));

    rmSync(path.join(docs, 'a.md'));
    rmSync(path.join(docs, 'img'), { recursive: true });
    await ingest([docs], { config, logger }, { embedder, ocr: false, prune: true, graceMs: 0 });
    const left = await figures(config);
    expect(left.map((f) => f.caption)).toEqual(['The same diagram in B']);
    expect(existsSync(left[0]!.imagePath)).toBe(true); // still used by B: kept

    rmSync(path.join(docs, 'b.md'));
    await ingest([docs], { config, logger }, { embedder, ocr: false, prune: true, graceMs: 0 });
    // pics/same-picture.png is now a document of its own (no article shows it): still one stored file.
    expect(storedHashes(config.dataDir)).toHaveLength(1);
    rmSync(path.join(docs, 'pics'), { recursive: true });
    writeFileSync(path.join(docs, 'c.md'), '# C\n\nText only.\n');
    await ingest([docs], { config, logger }, { embedder, ocr: false, prune: true, graceMs: 0 });
    expect(storedHashes(config.dataDir)).toEqual([]); // no row references it: collected
  });

  it('an index moved with its DATA_DIR still finds its figure files', async () => {
    const docs = path.join(tmp, 'move-docs');
    mkdirSync(docs);
    writeFileSync(path.join(docs, 'chart.png'), await sharp({ create: { width: 90, height: 60, channels: 3, background: '#aa3300' } }).png().toBuffer());
    const before = loadConfig({ DATA_DIR: path.join(tmp, 'data-before'), EMBEDDING_MODEL: FIXTURE });
    await ingest([docs], { config: before, logger }, { embedder, ocr: false });
    const moved = path.join(tmp, 'elsewhere', 'data');
    cpSync(before.dataDir, moved, { recursive: true });
    rmSync(before.dataDir, { recursive: true, force: true });
    const after = loadConfig({ DATA_DIR: moved, EMBEDDING_MODEL: FIXTURE });
    const [figure] = await figures(after);
    expect(figure!.imagePath.startsWith(moved)).toBe(true);
    expect(existsSync(figure!.imagePath)).toBe(true);
  });

  it('keeps an unreferenced figure file for the grace period (readers of the previous generation may show it), then removes it', () => {
    const dataDir = path.join(tmp, 'grace-data');
    const [a, b] = ['a'.repeat(64), 'b'.repeat(64)];
    const fileA = storeFigureFile(dataDir, a, 'a.png', new Uint8Array([1]));
    const fileB = storeFigureFile(dataDir, b, 'b.png', new Uint8Array([2]));
    const t0 = 1_000_000;
    expect(collectFigureGarbage(dataDir, new Set([a]), { graceMs: 60_000, now: t0 })).toBe(0);
    expect(existsSync(fileB)).toBe(true); // unreferenced since t0: kept
    expect(collectFigureGarbage(dataDir, new Set([a]), { graceMs: 60_000, now: t0 + 59_000 })).toBe(0);
    expect(existsSync(fileB)).toBe(true);
    expect(collectFigureGarbage(dataDir, new Set([a]), { graceMs: 60_000, now: t0 + 60_000 })).toBe(1);
    expect(existsSync(fileB)).toBe(false);
    expect(existsSync(fileA)).toBe(true);
    // Referenced again before its time is up: the clock starts over when it is dropped again.
    const fileB2 = storeFigureFile(dataDir, b, 'b.png', new Uint8Array([2]));
    collectFigureGarbage(dataDir, new Set([a]), { graceMs: 60_000, now: t0 + 100_000 });
    collectFigureGarbage(dataDir, new Set([a, b]), { graceMs: 60_000, now: t0 + 130_000 });
    expect(collectFigureGarbage(dataDir, new Set([a]), { graceMs: 60_000, now: t0 + 170_000 })).toBe(0);
    expect(existsSync(fileB2)).toBe(true);
  });
});
