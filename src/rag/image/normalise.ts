/**
 * Every image, once, into the one shape the rest of the system expects: PNG or JPEG, 8-bit
 * sRGB, no alpha, upright. Called from one place per path — ingest (each figure) and the
 * worker (each image a user attaches in chat) — so that CLIP, OCR, storage and the vision
 * model all see the same pixels a viewer shows.
 *
 * What it does, with sharp (libvips):
 * - EXIF orientation applied (`rotate()` without an angle), so width/height are the displayed ones;
 * - alpha flattened onto white (a viewer shows transparent line art on white; dropping the
 *   alpha channel instead would turn it into a black square);
 * - greyscale, grey+alpha, 16-bit, palette and CMYK → 8-bit sRGB (embedded ICC profiles honoured);
 * - BMP (decoded by bmp-ts), TIFF, AVIF/HEIF, WebP, GIF (first frame) and SVG (rasterised by
 *   librsvg) → PNG, or JPEG when the source was lossy (JPEG, AVIF/HEIF) so that photos stay small.
 * An image already in that shape (8-bit RGB PNG/JPEG, upright, no alpha, no ICC profile) keeps
 * its original bytes, so nothing is re-encoded needlessly.
 */
import { createHash } from 'node:crypto';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { decodeBmp, isBmp } from './bmp.js';

/** Formats we read: libvips' loaders in the sharp build, plus BMP through bmp-ts. */
export const READABLE_FORMATS = ['png', 'jpeg', 'webp', 'gif', 'tiff', 'heif', 'avif', 'svg', 'bmp'] as const;

/** An SVG is rasterised so that its longer side has at least this many pixels (at most 4×), for OCR and the model. */
const SVG_MIN_RASTER_SIDE = 1024;
const SVG_MAX_SCALE = 4;
/** JPEG quality of re-encoded lossy sources (libjpeg's scale; 90 is visually lossless for figures). */
const JPEG_QUALITY = 90;
/**
 * How strict decoding is: 'error' accepts what viewers show despite a libvips warning (a bad
 * CRC in an ancillary chunk, trailing bytes), and still refuses truncated or corrupt data.
 */
const FAIL_ON = 'error' as const;
/** Side of the thumbnail used to tell a blank (one-colour) image. */
const BLANK_PROBE_SIDE = 64;
/** A channel that varies by at most this much over the thumbnail is flat. */
const BLANK_MAX_RANGE = 3;

export interface NormalisedImage {
  /** PNG or JPEG bytes: 8-bit sRGB, no alpha, orientation applied. */
  bytes: Buffer;
  format: 'png' | 'jpeg';
  /** Displayed size in CSS pixels (after EXIF orientation; an SVG's declared size). */
  width: number;
  height: number;
  /** What the input was (png, jpeg, webp, gif, tiff, heif, svg, bmp). */
  sourceFormat: string;
  /** sha256 hex of `bytes`: the content address used for storage and the OCR cache. */
  hash: string;
  /** Every pixel the same colour (a placeholder or spacer, not a figure). */
  blank: boolean;
}

/** An image that cannot be used; `message` says why, in words fit for the ingest summary or a chat note. */
export class ImageError extends Error {
  override readonly name = 'ImageError';
}

const firstLine = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0]!.trim();

interface Decoded {
  /** A sharp pipeline over the first frame/page, before orientation and flattening. */
  open: () => Sharp;
  meta: Metadata;
  sourceFormat: string;
  /** Declared size of an SVG (CSS px). */
  declared?: { width: number; height: number };
}

async function decodeInput(input: Uint8Array): Promise<Decoded> {
  if (isBmp(input)) {
    let raw;
    try {
      raw = decodeBmp(input);
    } catch (err) {
      throw new ImageError(`corrupt BMP image (${firstLine(err)})`);
    }
    const open = () => sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels }, failOn: FAIL_ON });
    return { open, meta: await open().metadata(), sourceFormat: 'bmp' };
  }
  let meta: Metadata;
  try {
    meta = await sharp(input, { pages: 1, failOn: FAIL_ON }).metadata();
  } catch (err) {
    throw new ImageError(`corrupt or unsupported image data (${firstLine(err)})`);
  }
  const format = meta.format === 'heif' && meta.compression === 'av1' ? 'avif' : String(meta.format ?? 'unknown');
  if (!(READABLE_FORMATS as readonly string[]).includes(format)) {
    throw new ImageError(`unsupported image format "${format}" (readable: ${READABLE_FORMATS.join(', ')})`);
  }
  if (format === 'svg') {
    const width = meta.width ?? 0;
    const height = meta.height ?? 0;
    if (!width || !height) throw new ImageError('SVG without a size (no width/height or viewBox)');
    const scale = Math.min(SVG_MAX_SCALE, Math.max(1, SVG_MIN_RASTER_SIDE / Math.max(width, height)));
    const density = (meta.density ?? 72) * scale;
    return { open: () => sharp(input, { density, failOn: FAIL_ON }), meta, sourceFormat: 'svg', declared: { width, height } };
  }
  return { open: () => sharp(input, { pages: 1, failOn: FAIL_ON }), meta, sourceFormat: format };
}

/** Already PNG/JPEG, 8-bit RGB, opaque, upright, no profile to apply: keep the bytes as they are. */
function alreadyNormal(d: Decoded): boolean {
  const m = d.meta;
  return (
    (d.sourceFormat === 'png' || d.sourceFormat === 'jpeg') &&
    m.channels === 3 &&
    m.space === 'srgb' &&
    m.depth === 'uchar' &&
    !m.hasAlpha &&
    !m.isPalette &&
    (m.orientation === undefined || m.orientation === 1) &&
    !m.icc &&
    (m.pages ?? 1) === 1
  );
}

async function isBlank(bytes: Buffer): Promise<boolean> {
  const { data, info } = await sharp(bytes, { failOn: FAIL_ON }).resize(BLANK_PROBE_SIDE, BLANK_PROBE_SIDE, { fit: 'inside' }).raw().toBuffer({ resolveWithObject: true });
  for (let c = 0; c < info.channels; c++) {
    let min = 255;
    let max = 0;
    for (let i = c; i < data.length; i += info.channels) {
      const v = data[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    if (max - min > BLANK_MAX_RANGE) return false;
  }
  return true;
}

/**
 * Normalise one image (see the module comment). Throws `ImageError` for unreadable,
 * truncated or unsupported data; never returns a partially decoded image.
 */
export async function normaliseImage(input: Uint8Array): Promise<NormalisedImage> {
  if (input.byteLength === 0) throw new ImageError('empty image file');
  const decoded = await decodeInput(input);
  const lossy = decoded.sourceFormat === 'jpeg' || decoded.sourceFormat === 'heif' || decoded.sourceFormat === 'avif';
  let bytes: Buffer;
  let format: 'png' | 'jpeg';
  try {
    if (alreadyNormal(decoded)) {
      bytes = Buffer.from(input.buffer, input.byteOffset, input.byteLength);
      format = decoded.sourceFormat as 'png' | 'jpeg';
    } else {
      const pipeline = decoded.open().rotate().flatten({ background: '#ffffff' }).toColourspace('srgb');
      format = lossy ? 'jpeg' : 'png';
      bytes = await (format === 'jpeg' ? pipeline.jpeg({ quality: JPEG_QUALITY }) : pipeline.png()).toBuffer();
    }
    // Decoding every pixel (the thumbnail) catches truncated or corrupt data the header hid.
    const blank = await isBlank(bytes);
    const meta = await sharp(bytes, { failOn: FAIL_ON }).metadata();
    const width = decoded.declared?.width ?? meta.width!;
    const height = decoded.declared?.height ?? meta.height!;
    return { bytes, format, width, height, sourceFormat: decoded.sourceFormat, hash: createHash('sha256').update(bytes).digest('hex'), blank };
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw new ImageError(`corrupt or unsupported image data (${firstLine(err)})`);
  }
}

/** File extension of a normalised image's format. */
export const extensionOf = (format: 'png' | 'jpeg') => (format === 'jpeg' ? '.jpg' : '.png');
