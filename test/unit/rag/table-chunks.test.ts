/**
 * Tables in CLIP's 77-token windows: whole rows only, the column headers at the top of every
 * chunk that holds rows (field case html-table, plus a wide table and a row longer than a window).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { chunkBlocks } from '../../../src/rag/ingest/chunker.js';
import { parseHtml } from '../../../src/rag/ingest/parse-html.js';
import { parseMarkdown } from '../../../src/rag/ingest/parse-markdown.js';

let embedder: Embedder;
beforeAll(async () => {
  embedder = await createEmbedder(path.resolve('test/fixtures/clip-tiny'));
});
afterAll(async () => {
  await embedder.close();
});

const HEADER = 'Plan | Max upload | Retention | SSO';

describe('html-table field case', () => {
  it('every chunk with rows starts (after the section) with the headers and holds whole rows', () => {
    const doc = parseHtml(readFileSync('test/fixtures/field/html-table/plans.html', 'utf8'), 'plans');
    const table = doc.blocks.find((b) => b.table)!.table!;
    const chunks = chunkBlocks(doc.blocks, embedder).filter((c) => c.context.startsWith(HEADER));
    expect(chunks.length).toBeGreaterThan(1);
    const seen: string[] = [];
    for (const c of chunks) {
      expect(embedder.countTokens(c.text) + 2).toBeLessThanOrEqual(77);
      expect(c.text.startsWith(`Plan limits: ${HEADER}\n`)).toBe(true);
      const rows = c.text.split('\n').slice(1);
      for (const row of rows) expect(table.rows).toContain(row); // never a piece of a row
      expect(c.context).toBe([HEADER, ...rows].join('\n'));
      seen.push(...rows);
    }
    expect(seen).toEqual(table.rows); // every row once, in order
    const team = chunks.find((c) => c.text.includes('Team | 15 MB | 21 days | no'))!;
    expect(team.text).toContain(HEADER);
  });
});

describe('other tables', () => {
  it('a Markdown table with many rows: same rules', () => {
    const rows = Array.from({ length: 40 }, (_, i) => `| svc-${i} | ${i * 3} ms | owner-${i} |`);
    const doc = parseMarkdown(`## Latency\n\n| Service | p50 | Owner |\n|---|---|---|\n${rows.join('\n')}\n`, 'x');
    const chunks = chunkBlocks(doc.blocks, embedder);
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) {
      expect(c.text.startsWith('Latency: Service | p50 | Owner\n')).toBe(true);
      for (const row of c.text.split('\n').slice(1)) expect(row).toMatch(/^svc-\d+ \| \d+ ms \| owner-\d+$/);
    }
  });

  it('a row longer than a window is split into windows of that row, each under the headers, with the whole row as context', () => {
    const long = Array.from({ length: 60 }, (_, i) => `word${i}`).join(' ');
    const doc = parseMarkdown(`| Key | Value |\n|---|---|\n| a | short |\n| b | ${long} |\n| c | after |\n`, 'x');
    const chunks = chunkBlocks(doc.blocks, embedder);
    const pieces = chunks.filter((c) => c.context.includes('word0'));
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) {
      expect(p.text.startsWith('Key | Value\n')).toBe(true);
      expect(p.context).toBe(`Key | Value\nb | ${long}`);
    }
    expect(chunks.map((c) => c.context)).toContain('Key | Value\nc | after');
  });

  it('a table without headers still keeps rows whole', () => {
    const doc = parseHtml('<html><body><table><tr><td>alpha</td><td>1</td></tr><tr><td>beta</td><td>2</td></tr></table></body></html>', 'x');
    expect(chunkBlocks(doc.blocks, embedder).map((c) => c.text)).toEqual(['alpha | 1\nbeta | 2']);
  });
});
