/**
 * Download a user's attached image with a size cap, for `PlatformWorkerSide.fetchImage`
 * implementations (Slack adds its Authorization header through `init`). `file:` URLs are
 * read from disk (the terminal chat attaches local files that way).
 */
import { open } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { ImageError, normaliseImage } from '../rag/image/normalise.js';
import { GENERIC_APOLOGY, isTransientError, PermanentJobError, TransientError, userMessageFor } from './errors.js';

/** Largest attached image the worker downloads (bytes). */
export const MAX_IMAGE_BYTES = 10 * 1024 * 1024;

function tooLarge(maxBytes: number): PermanentJobError {
  const mb = Math.round((maxBytes / (1024 * 1024)) * 10) / 10;
  return new PermanentJobError('attached image over the size cap', `The attached image is larger than ${mb} MB; please send a smaller one.`);
}

export async function fetchImageBytes(url: string, maxBytes: number, init: RequestInit = {}): Promise<Uint8Array> {
  const parsed = new URL(url);
  if (parsed.protocol === 'file:') return await readFileCapped(fileURLToPath(parsed), maxBytes);
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new PermanentJobError(`unsupported image URL scheme ${parsed.protocol}`, 'The attached image could not be read.');
  }
  const response = await fetch(url, { ...init, signal: init.signal ?? AbortSignal.timeout(30_000) });
  if (!response.ok) {
    const detail = `image download failed with HTTP ${response.status}`;
    if (response.status === 429 || response.status >= 500) throw new TransientError(detail);
    throw new PermanentJobError(detail, 'The attached image could not be downloaded.');
  }
  const declared = Number(response.headers.get('content-length') ?? '0');
  if (declared > maxBytes) {
    await response.body?.cancel();
    throw tooLarge(maxBytes);
  }
  const parts: Uint8Array[] = [];
  let total = 0;
  if (response.body) {
    for await (const chunk of response.body as AsyncIterable<Uint8Array>) {
      total += chunk.byteLength;
      if (total > maxBytes) throw tooLarge(maxBytes);
      parts.push(chunk);
    }
  }
  return concat(parts, total);
}

async function readFileCapped(file: string, maxBytes: number): Promise<Uint8Array> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch {
    throw new PermanentJobError(`image file not readable: ${file}`, 'The attached image file could not be read.');
  }
  try {
    const { size } = await handle.stat();
    if (size > maxBytes) throw tooLarge(maxBytes);
    const buffer = Buffer.alloc(size);
    await handle.read(buffer, 0, size, 0);
    return new Uint8Array(buffer.buffer, buffer.byteOffset, size);
  } finally {
    await handle.close();
  }
}

function concat(parts: Uint8Array[], total: number): Uint8Array {
  const out = new Uint8Array(total);
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.byteLength;
  }
  return out;
}

/**
 * One attached image, ready for CLIP and the vision model: downloaded by `download`, then
 * normalised (PNG/JPEG, 8-bit sRGB, no alpha, upright; BMP/TIFF/AVIF/GIF/SVG converted). An
 * image that cannot be read is not fatal: it becomes a one-line `note` for the answer, and the
 * question is answered without it. Transient download failures still throw (the job retries).
 */
export async function readAttachedImage(download: () => Promise<Uint8Array>): Promise<{ bytes: Uint8Array } | { note: string }> {
  let raw: Uint8Array;
  try {
    raw = await download();
  } catch (err) {
    if (isTransientError(err)) throw err;
    const message = userMessageFor(err);
    const why = message === GENERIC_APOLOGY ? 'it could not be downloaded' : message.replace(/\.$/, '');
    return { note: `_Note: the attached image was not used (${why}); this answer is based on your text alone._` };
  }
  try {
    const { bytes } = await normaliseImage(raw);
    return { bytes: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) };
  } catch (err) {
    const why = err instanceof ImageError ? err.message : 'unreadable image data';
    return { note: `_Note: the attached image could not be read (${why}); this answer is based on your text alone._` };
  }
}
