/**
 * Text inside figures reaches the index: a figure whose caption ("Figure 3") does not contain
 * the words its pixels show is found by `mrag search` for those words, with the tiny CLIP
 * fixture (whose vectors carry no meaning) — i.e. through its OCR text in BM25. OCR results
 * are cached by image hash: a re-ingest never reads an image twice.
 */
import { execFile } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { IndexStore } from '../../../src/rag/index/store.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import type { SearchResult } from '../../../src/rag/types.js';

const run = promisify(execFile);
const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const logger = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-ocr-'));
const docs = path.join(tmp, 'docs');
let embedder: Embedder;

beforeAll(async () => {
  embedder = await createEmbedder(FIXTURE);
  mkdirSync(docs);
  copyFileSync('test/fixtures/ocr/ledger-flow.png', path.join(docs, 'ledger-flow.png'));
  writeFileSync(path.join(docs, 'finance.md'), '# Finance handbook\n\n## Month end\n\nThe month-end process is shown below.\n\n![Figure 3](ledger-flow.png)\n');
  // Other figures, so that finding the right one is not a matter of there being one.
  cpSync('test/fixtures/field/html-lazy-img', path.join(docs, 'blog'), { recursive: true });
  cpSync('test/fixtures/field/img-formats', path.join(docs, 'formats'), { recursive: true });
});
afterAll(async () => {
  await embedder.close();
  rmSync(tmp, { recursive: true, force: true });
});

const config = (name: string, env: Record<string, string> = {}) => loadConfig({ DATA_DIR: path.join(tmp, name), EMBEDDING_MODEL: FIXTURE, ...env });

async function bm25Figures(dataDir: string, query: string): Promise<string[]> {
  const store = (await IndexStore.open(dataDir))!;
  try {
    const ids = (await store.fullText('figures', query, 10)).map((hit) => hit.id);
    const rows = await store.loadFigures();
    return ids.map((id) => path.basename(rows.find((r) => r.id === id)!.imagePath));
  } finally {
    await store.close();
  }
}

describe('OCR text in search', () => {
  it('mrag search finds the figure by words only its pixels show', async () => {
    const cfg = config('data-on');
    const summary = await ingest([docs], { config: cfg, logger }, { embedder });
    expect(summary.failures).toEqual([]);
    expect(summary.ocr).toMatchObject({ enabled: true });
    expect(summary.ocr.read).toBeGreaterThan(0);

    const { stdout } = await run(process.execPath, ['bin/mrag.js', 'search', 'reconcile ledger', '--json', '--figures', '1'], {
      env: { ...process.env, DATA_DIR: cfg.dataDir, EMBEDDING_MODEL: FIXTURE, LOG_LEVEL: 'silent' },
    });
    const result = JSON.parse(stdout) as SearchResult;
    expect(result.figures).toHaveLength(1);
    const figure = result.figures[0]!;
    expect(path.basename(figure.imagePath)).toBe('ledger-flow.png');
    expect(figure.caption).toBe('Figure 3');
    expect(figure.ocrText).toMatch(/Invoice[\s\S]*Reconcile[\s\S]*Ledger/);
    expect(figure).toMatchObject({ section: 'Month end', description: '', width: 480, height: 160 });
    expect(await bm25Figures(cfg.dataDir, 'reconcile ledger')).toEqual(['ledger-flow.png']);
  });

  it('without OCR the same words find nothing in the figure text', async () => {
    const cfg = config('data-off', { OCR_ENABLED: 'false' });
    const summary = await ingest([docs], { config: cfg, logger }, { embedder });
    expect(summary.ocr.enabled).toBe(false);
    expect(await bm25Figures(cfg.dataDir, 'reconcile ledger')).toEqual([]);
  });

  it('never OCRs the same image twice: a changed document reuses the cached text', async () => {
    const cfg = config('data-cache');
    const first = await ingest([docs], { config: cfg, logger }, { embedder });
    expect(first.ocr.read).toBeGreaterThan(0);
    writeFileSync(path.join(docs, 'finance.md'), '# Finance handbook\n\n## Month end\n\nThe month-end process, revised, is shown below.\n\n![Figure 3](ledger-flow.png)\n');
    const second = await ingest([docs], { config: cfg, logger }, { embedder });
    expect(second.documents).toMatchObject({ updated: 1 });
    expect(second.ocr).toMatchObject({ read: 0, cached: 1 });
    expect(await bm25Figures(cfg.dataDir, 'reconcile')).toEqual(['ledger-flow.png']);
  });
});
