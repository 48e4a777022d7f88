/**
 * A parsed figure → normalised image bytes, or a reason it is skipped or failed.
 *
 * Each candidate source (a lazy-load `data-src` before the `src` placeholder, srcset
 * candidates, the `<noscript>` copy; one for bytes in hand) is read — a local file relative to
 * the document, a data: URI, or a download — and normalised (../image/normalise.ts). The first
 * candidate that is a real image wins. Not figures, and listed as skipped with the reason:
 * images shown smaller than `minSidePx` on their shorter side (icons, spacers, tracking
 * pixels — judged by the size the page displays them at when it says so) and blank one-colour
 * inline `data:` images (lazy-load placeholders). A candidate that cannot be read fails only
 * this figure.
 */
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { ImageError, extensionOf, normaliseImage, type NormalisedImage } from '../image/normalise.js';
import { FetchRefused, fetchLimited } from './fetch-limited.js';
import type { ParsedFigure } from './parsed.js';

export interface FigureLoadOptions {
  maxBytes: number;
  timeoutMs: number;
  /** Shorter displayed side below which an image is decoration (FIGURE_MIN_SIZE_PX). */
  minSidePx: number;
}

export type FigureOutcome =
  | { status: 'ok'; image: NormalisedImage; name: string }
  | { status: 'skipped'; reason: string }
  | { status: 'failed'; reason: string };

export class FigureError extends Error {
  override readonly name = 'FigureError';
}

/** Content types a figure download may have: images, and the generic ones servers use for any file. */
const FIGURE_TYPES = /^(image\/|application\/octet-stream$|binary\/octet-stream$|$)/;

function baseName(ref: string, format: 'png' | 'jpeg'): string {
  const raw = /^data:/i.test(ref) ? 'inline-image' : (ref.split(/[?#]/)[0]!.split('/').pop() ?? '');
  let name = '';
  try {
    name = decodeURIComponent(raw);
  } catch {
    name = raw;
  }
  name = name.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '') || 'figure';
  const ext = extensionOf(format);
  const stem = name.replace(/\.(png|jpe?g|gif|webp|svg|bmp|tiff?|avif|heic)$/i, '');
  return `${stem || 'figure'}${ext}`;
}

async function readRef(ref: string, baseDir: string | undefined, baseUrl: string | undefined, options: FigureLoadOptions): Promise<Uint8Array> {
  const data = /^data:image\/[a-z0-9+.-]+(;[a-z0-9=.+-]+)*?(;base64)?,(.*)$/is.exec(ref);
  if (data) return data[2] ? Buffer.from(data[3]!, 'base64') : Buffer.from(decodeURIComponent(data[3]!), 'utf8');
  // Protocol-relative references (//cdn…/x.png) take the page's scheme, https for local files.
  const absoluteUrl = /^[a-z][a-z0-9+.-]*:/i.test(ref) ? ref : baseUrl ? new URL(ref, baseUrl).href : ref.startsWith('//') ? `https:${ref}` : undefined;
  if (absoluteUrl) {
    const { bytes } = await fetchLimited(absoluteUrl, { ...options, acceptType: (t) => FIGURE_TYPES.test(t), expected: 'an image' });
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

/** The size a viewer shows: the page's declared size (one side given: the other by aspect ratio), else the image's own. */
export function displayedSize(image: { width: number; height: number }, declared?: { width?: number; height?: number }): { width: number; height: number } {
  const w = declared?.width;
  const h = declared?.height;
  if (w !== undefined && h !== undefined) return { width: w, height: h };
  if (w !== undefined) return { width: w, height: Math.round((w * image.height) / image.width) };
  if (h !== undefined) return { width: Math.round((h * image.width) / image.height), height: h };
  return { width: image.width, height: image.height };
}

const describe = (ref: string) => (/^data:/i.test(ref) ? 'inline data: image' : ref.slice(0, 200));

/** Load one figure, trying its candidate sources in order (see the module comment). */
export async function loadFigure(
  figure: ParsedFigure,
  ctx: { baseDir?: string; baseUrl?: string },
  options: FigureLoadOptions,
): Promise<FigureOutcome & { ref: string }> {
  const source = figure.source;
  const candidates = 'bytes' in source ? [source.name] : [source.ref, ...(source.alternates ?? [])];
  const declared = figure.displayed;
  if (declared?.width !== undefined && declared.height !== undefined && Math.min(declared.width, declared.height) < options.minSidePx) {
    return { status: 'skipped', ref: describe(candidates[0]!), reason: `shown at ${declared.width}×${declared.height} px, below the ${options.minSidePx} px minimum (icon, spacer or tracking pixel)` };
  }
  let firstFailure: { ref: string; reason: string } | undefined;
  let firstSkip: { ref: string; reason: string } | undefined;
  for (const ref of candidates) {
    try {
      const bytes = 'bytes' in source ? source.bytes : await readRef(ref, ctx.baseDir, ctx.baseUrl, options);
      const image = await normaliseImage(bytes);
      const shown = displayedSize(image, declared);
      if (Math.min(shown.width, shown.height) < options.minSidePx) {
        firstSkip ??= { ref: describe(ref), reason: `shown at ${shown.width}×${shown.height} px, below the ${options.minSidePx} px minimum (icon, spacer or tracking pixel)` };
        continue;
      }
      // Lazy-load placeholders are inline data: images of one colour; a blank image file is kept (it is what the author put there).
      if (image.blank && /^data:/i.test(ref)) {
        firstSkip ??= { ref: describe(ref), reason: 'blank inline image (a single colour): a lazy-load placeholder' };
        continue;
      }
      return { status: 'ok', ref: describe(ref), image, name: baseName(ref, image.format) };
    } catch (err) {
      const reason = err instanceof ImageError || err instanceof FigureError || err instanceof FetchRefused ? err.message : `unreadable image (${(err as Error).message})`;
      firstFailure ??= { ref: describe(ref), reason };
    }
  }
  if (firstFailure) return { status: 'failed', ...firstFailure };
  return { status: 'skipped', ...(firstSkip ?? { ref: describe(candidates[0] ?? 'image'), reason: 'no usable image source' }) };
}
