/**
 * Turn a parsed figure reference into validated image bytes: read a local file (relative to
 * the document), decode a data: URI, or download a remote image; then check with sharp that
 * it is a real PNG/JPEG/WebP/GIF and read its size.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp, { type Metadata } from 'sharp';
import { fetchLimited } from './fetch-limited.js';
import type { FigureSource } from './parsed.js';

export const IMAGE_FORMATS = new Set(['png', 'jpeg', 'webp', 'gif']);

export interface FigureLoadOptions {
  maxBytes: number;
  timeoutMs: number;
}

export interface LoadedImage {
  bytes: Uint8Array;
  /** File name to store it under (basename of the reference, extension matching the format). */
  name: string;
  width: number;
  height: number;
}

export class FigureError extends Error {
  override readonly name = 'FigureError';
}

/** Check that `bytes` is a supported, decodable image; returns its format and size. */
export async function inspectImage(bytes: Uint8Array): Promise<{ format: string; width: number; height: number }> {
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { pages: 1 }).metadata();
    // metadata() reads headers only; decoding one pixel row catches truncated/corrupt data.
    await sharp(bytes, { pages: 1 }).resize(8, 8, { fit: 'inside' }).raw().toBuffer();
  } catch {
    throw new FigureError('corrupt or unsupported image data');
  }
  if (!meta.format || !IMAGE_FORMATS.has(meta.format) || !meta.width || !meta.height) {
    throw new FigureError(`unsupported image format "${meta.format ?? 'unknown'}" (png, jpeg, webp and gif are supported)`);
  }
  return { format: meta.format, width: meta.width, height: meta.pageHeight ?? meta.height };
}

function baseName(ref: string, format: string): string {
  const raw = ref.split(/[?#]/)[0]!.split('/').pop() ?? '';
  let name = '';
  try {
    name = decodeURIComponent(raw);
  } catch {
    name = raw;
  }
  name = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'figure';
  const ext = format === 'jpeg' ? ['.jpg', '.jpeg'] : [`.${format}`];
  return ext.some((e) => name.toLowerCase().endsWith(e)) ? name : `${name}${ext[0]}`;
}

async function readRef(ref: string, baseDir: string | undefined, baseUrl: string | undefined, options: FigureLoadOptions): Promise<Uint8Array> {
  const data = /^data:image\/[a-z+.-]+;base64,(.*)$/is.exec(ref);
  if (data) return Buffer.from(data[1]!, 'base64');
  const absoluteUrl = /^[a-z][a-z0-9+.-]*:/i.test(ref) ? ref : baseUrl ? new URL(ref, baseUrl).href : undefined;
  if (absoluteUrl) {
    const { bytes } = await fetchLimited(absoluteUrl, { ...options, acceptType: (t) => t.startsWith('image/'), expected: 'an image' });
    return bytes;
  }
  if (!baseDir) throw new FigureError(`cannot resolve relative image path "${ref}"`);
  let file = ref.split(/[?#]/)[0]!;
  try {
    file = decodeURIComponent(file);
  } catch {
    // keep it as written
  }
  const full = path.resolve(baseDir, file);
  const info = await stat(full).catch(() => undefined);
  if (!info?.isFile()) throw new FigureError(`image file not found: ${path.relative(process.cwd(), full) || full}`);
  if (info.size > options.maxBytes) throw new FigureError(`image too large (${info.size} bytes, limit ${options.maxBytes})`);
  return readFile(full);
}

/**
 * Load and validate a figure. `baseDir` resolves relative paths of local documents,
 * `baseUrl` those of documents fetched from the web.
 */
export async function loadFigure(source: FigureSource, ctx: { baseDir?: string; baseUrl?: string }, options: FigureLoadOptions): Promise<LoadedImage> {
  const bytes = 'bytes' in source ? source.bytes : await readRef(source.ref, ctx.baseDir, ctx.baseUrl, options);
  const { format, width, height } = await inspectImage(bytes);
  const ref = 'bytes' in source ? source.name : /^data:/i.test(source.ref) ? 'inline-image' : source.ref;
  return { bytes, name: baseName(ref, format), width, height };
}
