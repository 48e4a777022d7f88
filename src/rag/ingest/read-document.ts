/**
 * Read one source (file or URL) within the limits, hash it, and parse it by kind.
 * Every refusal is a `ParseError` whose message becomes the summary's reason.
 *
 * Kind: a file's extension; for a URL, its content type — except when the content type is
 * generic (`text/plain`, `application/octet-stream`, none), where the URL's extension decides
 * (a `.md` served as text/plain is Markdown), then the bytes (`%PDF-`, `<html`, image headers).
 * Text is decoded as a browser would (decode-text.ts).
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ImageError, normaliseImage } from '../image/normalise.js';
import type { DocumentKind } from '../index/schema.js';
import { decodeText } from './decode-text.js';
import { FetchRefused, fetchLimited, type Fetched } from './fetch-limited.js';
import { parseHtml } from './parse-html.js';
import { parseMarkdown, parsePlainText } from './parse-markdown.js';
import { ParseError, type ParsedDocument } from './parsed.js';
import { parsePdf } from './pdf/parse-pdf.js';
import { EXTENSIONS, sidecarOf, type SourceItem } from './sources.js';

/** Bump when parsing or chunking changes, so that unchanged files are re-ingested once. */
export const PARSER_VERSION = '2';

export interface ReadLimits {
  maxBytes: number;
  timeoutMs: number;
}

export interface ReadDocument {
  hash: string;
  /** Undefined when the content hash equals `knownHash`: an unchanged document is not parsed again. */
  parsed?: ParsedDocument;
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
/** Content types that say nothing about the format: the URL's extension, then the bytes decide. */
const GENERIC_TYPES = new Set(['', 'text/plain', 'application/octet-stream', 'binary/octet-stream', 'application/x-download', 'application/force-download', 'application/unknown']);

const titleOf = (source: string) => {
  const raw = source.split(/[?#]/)[0]!.split('/').filter(Boolean).pop() ?? source;
  let base = raw;
  try {
    base = decodeURIComponent(raw);
  } catch {
    // keep it as written
  }
  return base.replace(/\.[a-z0-9]+$/i, '').replace(/[-_]+/g, ' ').trim() || source;
};

const MB = 1024 * 1024;

async function readLocal(file: string, maxBytes: number): Promise<Uint8Array> {
  const info = await stat(file).catch(() => undefined);
  if (!info?.isFile()) throw new ParseError('file not found');
  if (info.size > maxBytes) throw new ParseError(`file too large (${(info.size / MB).toFixed(1)} MB, limit ${(maxBytes / MB).toFixed(1)} MB)`);
  return readFile(file);
}

/** The kind the bytes themselves announce, if any. */
function sniff(bytes: Uint8Array): DocumentKind | undefined {
  const head = Buffer.from(bytes.subarray(0, 512)).toString('latin1');
  if (head.startsWith('%PDF-')) return 'pdf';
  if (/^\s*(<!doctype html|<html\b)/i.test(head.replace(/^\uFEFF|^\xEF\xBB\xBF/, ''))) return 'html';
  if (/^(\x89PNG|\xFF\xD8\xFF|GIF8|BM|RIFF....WEBP|II\*\0|MM\0\*)/s.test(head) || /^....ftyp(avif|heic|mif1)/s.test(head) || /^\s*(<\?xml[^>]*>\s*)?<svg\b/i.test(head)) return 'image';
  return undefined;
}

/** Decide a fetched document's kind (see the module comment). */
export function kindOfUrl(url: string, contentType: string, bytes: Uint8Array): DocumentKind | undefined {
  if (!GENERIC_TYPES.has(contentType)) return CONTENT_TYPES[contentType] ?? (contentType.startsWith('image/') ? 'image' : undefined);
  let pathname = url;
  try {
    pathname = new URL(url).pathname;
  } catch {
    // keep the raw string
  }
  return EXTENSIONS[path.extname(pathname).toLowerCase()] ?? sniff(bytes) ?? (contentType === 'text/plain' ? 'text' : undefined);
}

async function parseByKind(kind: DocumentKind, bytes: Uint8Array, title: string, caption: string, fileName: string, httpContentType?: string): Promise<ParsedDocument> {
  if (kind === 'pdf') return parsePdf(bytes, title);
  if (kind === 'image') {
    // An unreadable image file is a failed document (its one reason), not a document with a failed figure.
    try {
      await normaliseImage(bytes);
    } catch (err) {
      throw new ParseError(err instanceof ImageError ? err.message : String(err));
    }
    return { kind: 'image', title, blocks: [], figures: [{ section: '', caption, source: { bytes, name: fileName } }] };
  }
  const decoded = decodeText(bytes, { httpContentType, html: kind === 'html' });
  const parsed = kind === 'markdown' ? parseMarkdown(decoded.text, title) : kind === 'html' ? parseHtml(decoded.text, title) : parsePlainText(decoded.text, title);
  if (decoded.warning) parsed.warnings = [decoded.warning, ...(parsed.warnings ?? [])];
  return parsed;
}

/** Read, hash and (unless its hash is `knownHash`) parse one source. */
export async function readDocument(item: SourceItem, limits: ReadLimits, knownHash?: string): Promise<ReadDocument> {
  const hash = createHash('sha256').update(`mrag-parser-${PARSER_VERSION}\n`);
  const title = titleOf(item.source);
  if (item.url) {
    let fetched: Fetched;
    try {
      fetched = await fetchLimited(item.url, {
        ...limits,
        acceptType: (t) => t in CONTENT_TYPES || t.startsWith('image/') || GENERIC_TYPES.has(t),
        expected: 'HTML, Markdown, text, PDF or an image',
      });
    } catch (err) {
      throw new ParseError(err instanceof FetchRefused ? err.message : String(err));
    }
    const kind = kindOfUrl(item.url, fetched.contentType, fetched.bytes);
    if (!kind) throw new ParseError(`cannot tell the format: content type "${fetched.contentType || 'none'}" and no known extension`);
    // The charset is part of what the bytes mean: a server fixing its header must re-ingest.
    hash.update(fetched.bytes).update(`\0${fetched.contentTypeHeader}`);
    const digest = hash.digest('hex');
    if (digest === knownHash) return { hash: digest, baseUrl: item.url };
    const parsed = await parseByKind(kind, fetched.bytes, title, title, item.url.split(/[?#]/)[0]!.split('/').pop() || 'image', fetched.contentTypeHeader);
    return { hash: digest, parsed, baseUrl: item.url };
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
      const text = decodeText(await readLocal(sidecar, limits.maxBytes)).text.replace(/\s+/g, ' ').trim();
      hash.update('\0sidecar\0').update(text);
      if (text) caption = text;
    }
  }
  const digest = hash.digest('hex');
  if (digest === knownHash) return { hash: digest, baseDir: path.dirname(file) };
  const parsed = await parseByKind(item.kind, bytes, title, caption, path.basename(file));
  return { hash: digest, parsed, baseDir: path.dirname(file) };
}
