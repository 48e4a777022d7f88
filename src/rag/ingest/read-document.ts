/**
 * Read one source (file or URL) within the limits, hash it, and parse it by kind.
 * Every refusal is a `ParseError` whose message becomes the summary's reason.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import type { DocumentKind } from '../index/schema.js';
import { FetchRefused, fetchLimited } from './fetch-limited.js';
import { inspectImage } from './figures.js';
import { parseHtml } from './parse-html.js';
import { parseMarkdown, parsePlainText } from './parse-markdown.js';
import { parsePdf } from './parse-pdf.js';
import { ParseError, type ParsedDocument } from './parsed.js';
import { sidecarOf, type SourceItem } from './sources.js';

/** Bump when parsing or chunking changes, so that unchanged files are re-ingested once. */
export const PARSER_VERSION = '1';

export interface ReadLimits {
  maxBytes: number;
  timeoutMs: number;
}

export interface ReadDocument {
  hash: string;
  parsed: ParsedDocument;
  baseDir?: string;
  baseUrl?: string;
}

const CONTENT_TYPES: Record<string, DocumentKind> = {
  'text/html': 'html',
  'application/xhtml+xml': 'html',
  'text/markdown': 'markdown',
  'text/x-markdown': 'markdown',
  'text/plain': 'text',
  'application/pdf': 'pdf',
};

function decodeUtf8(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes).replace(/^\uFEFF/, '');
  } catch {
    throw new ParseError('not valid UTF-8 text (convert the file to UTF-8)');
  }
}

const titleOf = (source: string) => {
  const base = decodeURIComponent(source.split(/[?#]/)[0]!.split('/').filter(Boolean).pop() ?? source);
  return base.replace(/\.[a-z0-9]+$/i, '').replace(/[-_]+/g, ' ').trim() || source;
};

const MB = 1024 * 1024;

async function readLocal(file: string, maxBytes: number): Promise<Uint8Array> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new ParseError('file not found');
  if (info.size > maxBytes) throw new ParseError(`file too large (${(info.size / MB).toFixed(1)} MB, limit ${(maxBytes / MB).toFixed(1)} MB)`);
  return readFile(file);
}

async function parseByKind(kind: DocumentKind, bytes: Uint8Array, title: string, caption: () => Promise<string>, fileName: string): Promise<ParsedDocument> {
  switch (kind) {
    case 'markdown':
      return parseMarkdown(decodeUtf8(bytes), title);
    case 'html':
      return parseHtml(decodeUtf8(bytes), title);
    case 'text':
      return parsePlainText(decodeUtf8(bytes), title);
    case 'pdf':
      return parsePdf(bytes, title);
    case 'image': {
      await inspectImage(bytes).catch((err: Error) => {
        throw new ParseError(err.message);
      });
      return { kind: 'image', title, blocks: [], figures: [{ section: '', caption: await caption(), source: { bytes, name: fileName } }] };
    }
  }
}

export async function readDocument(item: SourceItem, limits: ReadLimits): Promise<ReadDocument> {
  const hash = createHash('sha256').update(`mrag-parser-${PARSER_VERSION}\n`);
  const title = titleOf(item.source);
  if (item.url) {
    let fetched: { bytes: Uint8Array; contentType: string };
    try {
      fetched = await fetchLimited(item.url, { ...limits, acceptType: (t) => t in CONTENT_TYPES || t.startsWith('image/'), expected: 'HTML, Markdown, text, PDF or an image' });
    } catch (err) {
      throw new ParseError(err instanceof FetchRefused ? err.message : String(err));
    }
    const kind = CONTENT_TYPES[fetched.contentType] ?? 'image';
    hash.update(fetched.bytes);
    const parsed = await parseByKind(kind, fetched.bytes, title, async () => title, item.url.split(/[?#]/)[0]!.split('/').pop() || 'image');
    return { hash: hash.digest('hex'), parsed, baseUrl: item.url };
  }
  const file = item.file!;
  if (!item.kind) throw new ParseError(`unsupported file type "${path.extname(file) || 'none'}"`);
  const bytes = await readLocal(file, limits.maxBytes);
  hash.update(bytes);
  let caption = title;
  if (item.kind === 'image') {
    // The sidecar caption is part of the document: editing it must re-ingest the image.
    const sidecar = sidecarOf(file);
    if (sidecar) {
      const text = decodeUtf8(await readLocal(sidecar, limits.maxBytes)).replace(/\s+/g, ' ').trim();
      hash.update('\0sidecar\0').update(text);
      if (text) caption = text;
    }
  }
  const parsed = await parseByKind(item.kind, bytes, title, async () => caption, path.basename(file));
  return { hash: hash.digest('hex'), parsed, baseDir: path.dirname(file) };
}
