import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UserFacingError } from '../../errors.js';
import { openKnowledgeBase } from '../../rag/knowledge-base.js';
import type { RetrievalLevel, SearchResult } from '../../rag/types.js';
import { getCliContext } from '../context.js';

interface SearchFlags {
  image?: string;
  json?: boolean;
  mode?: string;
  k?: string;
  figures?: string;
}

const SNIPPET = 160;

/** What each retrieval level searched with, for the line under the results. */
export const LEVEL_NAMES: Record<RetrievalLevel, string> = {
  1: 'BM25 over text and figure text; figures reach the model as text',
  2: 'BM25 over text and figure text; no embedding model',
  3: 'embeddings and BM25, fused',
};

/** One line per result: rank, kind, score, title › section, then the snippet or figure path. */
export function formatSearchResult(result: SearchResult, cwd = process.cwd()): string {
  const lines: string[] = [];
  const where = (title: string, section: string, page?: number) => [title, section].filter(Boolean).join(' › ') + (page ? ` (p. ${page})` : '');
  result.chunks.forEach((c, i) => {
    const text = c.text.length > SNIPPET ? c.text.slice(0, SNIPPET) + '…' : c.text;
    lines.push(`${String(i + 1).padStart(2)}. text   ${c.score.toFixed(3)}  ${where(c.title, c.section, c.page)}`, `      ${text}`, `      ${c.source}  [${c.id}]`);
  });
  const shown = (file: string) => {
    const rel = path.relative(cwd, file);
    return rel.startsWith('..') ? file : rel;
  };
  result.figures.forEach((f, i) => {
    const caption = f.caption.length > SNIPPET ? f.caption.slice(0, SNIPPET) + '…' : f.caption;
    lines.push(`${String(i + 1).padStart(2)}. figure ${f.score.toFixed(3)}  ${where(f.title, f.section, f.page)}`, `      ${caption}`, `      ${shown(f.imagePath)}  [${f.id}]`);
  });
  if (lines.length === 0) lines.push('no results');
  if (result.level !== undefined) lines.push(`(retrieval level ${result.level}: ${LEVEL_NAMES[result.level]})`);
  return lines.join('\n');
}

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('Search text chunks and figures (no LLM).')
    .argument('<query>', 'the query text')
    .option('--image <file>', 'search with an image too')
    .option('--json', 'print JSON')
    .option('--mode <mode>', 'hybrid (default) or seed')
    .option('-k <n>', 'number of text chunks')
    .option('--figures <n>', 'number of figures')
    .action(async (query: string, flags: SearchFlags) => {
      const { config, logger } = getCliContext();
      if (flags.mode && flags.mode !== 'hybrid' && flags.mode !== 'seed') throw new UserFacingError('bad_option', '--mode must be hybrid or seed');
      const count = (v: string | undefined, name: string) => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!Number.isInteger(n) || n < 0 || n > 100) throw new UserFacingError('bad_option', `${name} must be a whole number from 0 to 100`);
        return n;
      };
      let image: Uint8Array | undefined;
      if (flags.image) {
        try {
          image = readFileSync(flags.image);
        } catch {
          throw new UserFacingError('image_not_found', `Cannot read the image ${flags.image}.`);
        }
      }
      const kb = await openKnowledgeBase({ config, logger });
      try {
        const result = await kb.search(
          { text: query, image },
          { mode: flags.mode as 'hybrid' | 'seed' | undefined, textK: count(flags.k, '-k'), figureK: count(flags.figures, '--figures') },
        );
        process.stdout.write((flags.json ? JSON.stringify(result, null, 2) : formatSearchResult(result)) + '\n');
      } finally {
        await kb.close();
      }
    });
}
