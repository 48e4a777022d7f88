/**
 * Inputs of `mrag ingest` → the list of documents to consider. Directories are walked
 * (hidden entries and the index itself skipped); a `.txt`/`.md` next to an image with the
 * same stem is that image's caption (a sidecar), not a document; an image shown by an
 * article of the same walk is ingested as that article's figure only.
 *
 * Identity: `source` is `<root label>/<path under the root>` for a local file (roots.ts:
 * KB_DIR, the directory given, or a root the index already knows — never the working
 * directory), or the URL itself. `docId` is the first 12 hex digits of sha256(source):
 * stable across runs, working directories and machines.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { DocumentKind } from '../index/schema.js';
import { decodeText } from './decode-text.js';
import { parseHtml } from './parse-html.js';
import { parseMarkdown } from './parse-markdown.js';
import type { IngestRoots } from './roots.js';

export const EXTENSIONS: Record<string, DocumentKind> = {
  '.md': 'markdown',
  '.markdown': 'markdown',
  '.html': 'html',
  '.htm': 'html',
  '.txt': 'text',
  '.pdf': 'pdf',
  '.png': 'image',
  '.jpg': 'image',
  '.jpeg': 'image',
  '.webp': 'image',
  '.gif': 'image',
  '.svg': 'image',
  '.bmp': 'image',
  '.tif': 'image',
  '.tiff': 'image',
  '.avif': 'image',
};

const SIDECAR_EXTENSIONS = ['.txt', '.md'];

export interface SourceItem {
  /** Stable identity: `<root label>/<path under the root>`, or the URL. */
  source: string;
  docId: string;
  /** Absolute file path (local documents). */
  file?: string;
  url?: string;
  /** From the extension; undefined for URLs (decided by content type) and unknown extensions. */
  kind?: DocumentKind;
}

export interface ExpandResult {
  items: SourceItem[];
  /** Inputs that could not be used, with the reason. */
  problems: Array<{ source: string; reason: string }>;
  /** Files found while walking directories that are not a supported kind (listed as skipped). */
  unsupported: Array<{ source: string; reason: string }>;
}

export const docIdOf = (source: string) => createHash('sha256').update(source).digest('hex').slice(0, 12);

export const isUrl = (input: string) => /^https?:\/\//i.test(input);

/** The caption file of an image, if there is one (same directory, same stem, .txt or .md). */
export function sidecarOf(imageFile: string): string | undefined {
  const stem = imageFile.slice(0, imageFile.length - path.extname(imageFile).length);
  return SIDECAR_EXTENSIONS.map((e) => stem + e).find((f) => existsSync(f) && statSync(f).isFile());
}

function fileItem(file: string, roots: IngestRoots): SourceItem {
  const source = roots.sourceOf(file);
  return { source, docId: docIdOf(source), file, kind: EXTENSIONS[path.extname(file).toLowerCase()] };
}

/**
 * Local image files a Markdown/HTML document shows (they are indexed as its figures): found by
 * the document's own parser, so every way a page can show an image (lazy-load attributes,
 * srcset, <picture>, <noscript>, HTML inside Markdown) counts, candidates included.
 */
function referencedImages(doc: string): string[] {
  try {
    const kind = EXTENSIONS[path.extname(doc).toLowerCase()];
    const bytes = readFileSync(doc);
    const text = decodeText(bytes, { html: kind === 'html' }).text;
    const parsed = kind === 'html' ? parseHtml(text, '') : parseMarkdown(text, '');
    const refs = parsed.figures.flatMap((f) => ('ref' in f.source ? [f.source.ref, ...(f.source.alternates ?? [])] : []));
    return refs
      .filter((r) => !/^[a-z][a-z0-9+.-]*:/i.test(r))
      .map((r) => {
        let file = r.split(/[?#]/)[0]!;
        try {
          file = decodeURIComponent(file);
        } catch {
          // keep it as written
        }
        return path.resolve(path.dirname(doc), file);
      });
  } catch {
    return [];
  }
}

function walk(dir: string, skip: Set<string>, out: string[], unsupported: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (skip.has(full)) continue;
    if (entry.isDirectory()) walk(full, skip, out, unsupported);
    else if (entry.isFile()) (EXTENSIONS[path.extname(entry.name).toLowerCase()] ? out : unsupported).push(full);
  }
}

export interface ExpandOptions {
  /** Names local files (and learns the roots of new inputs). */
  roots: IngestRoots;
  /** Never walked into (the index). */
  skipDirs?: string[];
}

/** Expand files, directories and URLs. */
export function expandInputs(inputs: string[], options: ExpandOptions): ExpandResult {
  const { roots, skipDirs = [] } = options;
  const items = new Map<string, SourceItem>();
  const problems: ExpandResult['problems'] = [];
  const unsupported: ExpandResult['unsupported'] = [];
  const skip = new Set(skipDirs.map((d) => path.resolve(d)));
  for (const input of inputs) {
    if (isUrl(input)) {
      items.set(input, { source: input, docId: docIdOf(input), url: input });
      continue;
    }
    const full = path.resolve(input);
    const info = existsSync(full) ? statSync(full) : undefined;
    if (!info) {
      problems.push({ source: input, reason: 'not found' });
      continue;
    }
    roots.register(full, info.isDirectory());
    if (info.isFile()) {
      const item = fileItem(full, roots);
      items.set(item.source, item);
      continue;
    }
    const files: string[] = [];
    const others: string[] = [];
    walk(full, skip, files, others);
    for (const f of others) unsupported.push({ source: roots.sourceOf(f), reason: `unsupported file type ${path.extname(f).toLowerCase() || '(no extension)'}` });
    const images = new Set(files.filter((f) => EXTENSIONS[path.extname(f).toLowerCase()] === 'image'));
    const sidecars = new Set([...images].map(sidecarOf).filter((f): f is string => f !== undefined));
    // An image that an article in the same walk shows is that article's figure (with its
    // caption and section), not a second, caption-less document.
    const shown = new Set(files.filter((f) => ['markdown', 'html'].includes(EXTENSIONS[path.extname(f).toLowerCase()] ?? '')).flatMap(referencedImages));
    for (const f of files) {
      if (sidecars.has(f) || shown.has(f)) continue;
      const item = fileItem(f, roots);
      items.set(item.source, item);
    }
  }
  return { items: [...items.values()], problems, unsupported };
}
