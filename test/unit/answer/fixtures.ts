/**
 * Plain in-memory knowledge for answer tests: a `Retriever` that returns fixed chunks and
 * figures (recording the queries it got), and figure image files written to a temp dir.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Retriever, ScoredChunk, ScoredFigure, SearchOptions, SearchQuery, SearchResult } from '../../../src/rag/types.js';

export function chunk(n: number, text: string, extra: Partial<ScoredChunk> = {}): ScoredChunk {
  return {
    kind: 'text',
    id: `chunk-${n}`,
    docId: `doc-${n}`,
    source: `data/articles/doc-${n}.md`,
    title: `Document ${n}`,
    section: `Section ${n}`,
    text: text.slice(0, 60),
    context: text,
    score: 1 - n / 100,
    ...extra,
  };
}

export class FigureFiles {
  readonly dir = mkdtempSync(path.join(os.tmpdir(), 'mrag-answer-'));

  /** Write distinct bytes for figure `n` and return its record. */
  figure(n: number, caption: string, score = 0.5, extra: Partial<ScoredFigure> = {}): ScoredFigure {
    const imagePath = path.join(this.dir, `figure-${n}.png`);
    writeFileSync(imagePath, this.bytes(n));
    return {
      kind: 'figure',
      id: `figure-${n}`,
      docId: `doc-${n}`,
      source: `data/articles/doc-${n}.md`,
      title: `Document ${n}`,
      section: `Section ${n}`,
      caption,
      imagePath,
      score,
      ...extra,
    };
  }

  /** The bytes written for figure `n` (PNG signature + a marker). */
  bytes(n: number): Uint8Array {
    return Uint8Array.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0xf0, n]);
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export class MemoryRetriever implements Retriever {
  readonly queries: Array<{ query: SearchQuery; options?: SearchOptions }> = [];
  constructor(
    public chunks: ScoredChunk[],
    public figures: ScoredFigure[] = [],
  ) {}

  async search(query: SearchQuery, options?: SearchOptions): Promise<SearchResult> {
    this.queries.push({ query, options });
    return {
      chunks: this.chunks.slice(0, options?.textK ?? this.chunks.length),
      figures: this.figures.slice(0, options?.figureK ?? this.figures.length),
      timings: { search: 0 },
    };
  }
}

export const b64 = (bytes: Uint8Array): string => Buffer.from(bytes).toString('base64');
