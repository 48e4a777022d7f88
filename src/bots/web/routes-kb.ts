/**
 * The knowledge base page's API and the read-only file routes:
 *
 *   GET /api/kb?offset=          documents and the first page of figures (from the index on this machine)
 *   GET /api/kb/figures?offset=  more figures
 *   GET /api/kb/search?q=        ranked chunks and figures with their scores (knowledge base in this process only)
 *   GET /kb/figures/:id          a figure image, only from inside DATA_DIR/index
 *   GET /sources/file?source=    an indexed local document, read-only; nothing that is not in the index
 *
 * Listing reads the index on disk (no model); search embeds the query, which is RAG work,
 * so it is offered only where the knowledge base is loaded anyway (`mrag start`,
 * `mrag web --with-worker`).
 */
import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import path from 'node:path';
import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Config } from '../../config/env.js';
import { UserFacingError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { indexGeneration, readCatalog, type Catalog, type CatalogDocument } from '../../rag/knowledge-base.js';
import type { FigureRecord, Retriever } from '../../rag/types.js';
import { shorten, webSignals } from './format.js';
import type { KbSearchHit } from './protocol.js';
import { KB_DOCUMENTS_PAGE, KB_FIGURES_PAGE, WHY_SNIPPET_CHARS } from './types.js';

export interface KbRouteDeps {
  config: Config;
  logger: Logger;
  /** The knowledge base, when it is loaded in this process. */
  retriever?: Retriever;
}

export const KB_FIGURE_ROUTE = '/kb/figures';
export const NO_SEARCH_REASON = 'Search needs the knowledge base in this process: run `mrag start` or `mrag web --with-worker`.';

const CONTENT_TYPES: Record<string, string> = {
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.webp': 'image/webp',
  '.pdf': 'application/pdf',
  '.md': 'text/plain; charset=utf-8',
  '.markdown': 'text/plain; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.html': 'text/html; charset=utf-8',
  '.htm': 'text/html; charset=utf-8',
};

/** An indexed HTML document renders in a sandbox: a unique origin where none of its scripts run. */
const SANDBOX_CSP = "sandbox; default-src 'none'; img-src 'self' data:; style-src 'unsafe-inline'";

const figureView = (f: FigureRecord) => ({
  id: f.id,
  caption: f.caption,
  ocrText: f.ocrText || undefined,
  description: f.description || undefined,
  title: f.title,
  section: f.section,
  source: f.source,
  width: f.width,
  height: f.height,
  url: `${KB_FIGURE_ROUTE}/${encodeURIComponent(f.id)}`,
});

interface IndexedCatalog extends Catalog {
  figureById: Map<string, FigureRecord>;
  documentBySource: Map<string, CatalogDocument>;
}

const offsetOf = (q: { offset?: string }) => Math.max(0, Number.parseInt(q.offset ?? '0', 10) || 0);

export function registerKbRoutes(scope: FastifyInstance, deps: KbRouteDeps): void {
  const { config, retriever } = deps;
  let cached: IndexedCatalog | undefined;
  /** The index's catalogue, re-read when an ingest committed since. */
  const catalog = async (): Promise<IndexedCatalog | undefined> => {
    const generation = indexGeneration(config.dataDir);
    if (generation === undefined) return (cached = undefined);
    if (cached?.generation !== generation) {
      const fresh = await readCatalog(config.dataDir, { kbDir: config.kbDir });
      cached = fresh && {
        ...fresh,
        figureById: new Map(fresh.figures.map((f) => [f.id, f])),
        documentBySource: new Map(fresh.documents.map((d) => [d.source, d])),
      };
    }
    return cached;
  };
  const missing = (reply: FastifyReply, what: string) => reply.code(404).type('text/plain; charset=utf-8').send(`${what} is not available on this machine.`);

  scope.get<{ Querystring: { offset?: string } }>('/api/kb', async (request) => {
    const kb = await catalog();
    const searchable = Boolean(retriever);
    if (!kb) return { available: false, searchable, reason: `There is no index under ${path.join(config.dataDir, 'index')} on this machine: run \`mrag ingest <files|dirs|urls>\`.` };
    const offset = offsetOf(request.query);
    return {
      available: true,
      searchable,
      ...(searchable ? {} : { searchReason: NO_SEARCH_REASON }),
      model: kb.model,
      updatedAt: kb.updatedAt,
      totalDocuments: kb.documents.length,
      totalFigures: kb.figures.length,
      documents: kb.documents.slice(offset, offset + KB_DOCUMENTS_PAGE).map(({ file: _file, hash: _hash, ...doc }) => doc),
      figures: kb.figures.slice(0, KB_FIGURES_PAGE).map(figureView),
    };
  });

  scope.get<{ Querystring: { offset?: string } }>('/api/kb/figures', async (request) => {
    const offset = offsetOf(request.query);
    const kb = await catalog();
    return { totalFigures: kb?.figures.length ?? 0, figures: (kb?.figures ?? []).slice(offset, offset + KB_FIGURES_PAGE).map(figureView) };
  });

  scope.get<{ Querystring: { q?: string } }>('/api/kb/search', async (request, reply) => {
    if (!retriever) return reply.code(409).send({ error: NO_SEARCH_REASON });
    const q = (request.query.q ?? '').trim();
    if (!q) return reply.code(400).send({ error: 'Type something to search for.' });
    try {
      const result = await retriever.search({ text: q.slice(0, 1000) });
      const hits: KbSearchHit[] = [
        ...result.chunks.map((c) => ({ kind: 'text' as const, id: c.id, title: c.title, section: c.section, source: c.source, text: shorten(c.text, WHY_SNIPPET_CHARS), score: c.score, signals: webSignals(c.signals) })),
        ...result.figures.map((f) => ({ kind: 'figure' as const, id: f.id, title: f.title, section: f.section, source: f.source, text: shorten(f.caption, WHY_SNIPPET_CHARS), score: f.score, signals: webSignals(f.signals), imageUrl: `${KB_FIGURE_ROUTE}/${encodeURIComponent(f.id)}` })),
      ];
      return { level: result.level, timings: result.timings, hits };
    } catch (err) {
      if (err instanceof UserFacingError) return reply.code(400).send({ error: err.message });
      throw err;
    }
  });

  scope.get<{ Params: { id: string } }>(`${KB_FIGURE_ROUTE}/:id`, async (request, reply) => {
    const figure = (await catalog())?.figureById.get(request.params.id);
    const type = figure && CONTENT_TYPES[path.extname(figure.imagePath).toLowerCase()];
    if (!figure || !type?.startsWith('image/')) return missing(reply, 'This figure');
    const file = await insideDir(figure.imagePath, path.join(config.dataDir, 'index'));
    if (!file) return missing(reply, 'This figure');
    return reply.type(type).header('cache-control', 'private, max-age=300').send(createReadStream(file));
  });

  scope.get<{ Querystring: { source?: string } }>('/sources/file', async (request, reply) => {
    const source = request.query.source ?? '';
    const doc = (await catalog())?.documentBySource.get(source);
    if (!doc?.file) return missing(reply, 'This document');
    let file: string;
    try {
      file = await realpath(doc.file);
      if (!(await stat(file)).isFile()) return missing(reply, 'This document');
    } catch {
      return missing(reply, 'The original file');
    }
    const type = CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
    if (type.startsWith('text/html')) reply.header('content-security-policy', SANDBOX_CSP);
    return reply.type(type).header('content-disposition', `inline; filename="${path.basename(file).replace(/[^\w.-]/g, '_')}"`).send(createReadStream(file));
  });
}

/** The real path of `file` when it is a regular file inside `dir` (symlinks resolved), else undefined. */
async function insideDir(file: string, dir: string): Promise<string | undefined> {
  try {
    const [real, root] = await Promise.all([realpath(file), realpath(dir)]);
    const rel = path.relative(root, real);
    if (!rel || rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
    return (await stat(real)).isFile() ? real : undefined;
  } catch {
    return undefined;
  }
}
