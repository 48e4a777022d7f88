/**
 * The pixels of an image placed on a PDF page, from pdf.js's decoded image objects, as raw
 * RGB/RGBA/grey for sharp, with a content hash (the same logo on every page hashes the same
 * even when pdf.js gives it different object ids).
 */
import { createHash } from 'node:crypto';
import sharp from 'sharp';
import type { ImagePlacement } from './page-graphics.js';

/** pdf.js ImageKind values. */
const GRAYSCALE_1BPP = 1;
const RGB_24BPP = 2;
const RGBA_32BPP = 3;

interface PdfImageObject {
  width?: number;
  height?: number;
  data?: Uint8Array | Uint8ClampedArray;
  kind?: number;
}

interface PageObjects {
  objs: { get(id: string, callback: (data: unknown) => void): void };
  commonObjs: { get(id: string, callback: (data: unknown) => void): void };
}

export interface RawImage {
  data: Buffer;
  width: number;
  height: number;
  channels: 1 | 3 | 4;
  /** sha256 of the pixels and size. */
  hash: string;
}

function objectOf(page: PageObjects, placement: ImagePlacement): Promise<PdfImageObject | undefined> {
  if (placement.inline) return Promise.resolve(placement.inline as PdfImageObject);
  const key = placement.key!;
  const store = key.startsWith('g_') ? page.commonObjs : page.objs;
  return new Promise((resolve) => {
    try {
      store.get(key, (data) => resolve(data as PdfImageObject));
    } catch {
      resolve(undefined);
    }
  });
}

/** 1 bit per pixel, rows padded to bytes, a set bit is white (pdf.js's convention) → 8-bit grey. */
function unpack1bpp(data: Uint8Array | Uint8ClampedArray, width: number, height: number): Buffer {
  const rowBytes = (width + 7) >> 3;
  const out = Buffer.alloc(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const byte = data[y * rowBytes + (x >> 3)] ?? 0;
      out[y * width + x] = byte & (0x80 >> (x & 7)) ? 255 : 0;
    }
  }
  return out;
}

/** Decoded pixels of a placement, or undefined when pdf.js could not decode it (it is then reported). */
export async function rawImageOf(page: PageObjects, placement: ImagePlacement): Promise<RawImage | undefined> {
  const obj = await objectOf(page, placement);
  const width = obj?.width ?? 0;
  const height = obj?.height ?? 0;
  if (!obj?.data || !width || !height) return undefined;
  let data: Buffer;
  let channels: 1 | 3 | 4;
  if (obj.kind === GRAYSCALE_1BPP) {
    data = unpack1bpp(obj.data, width, height);
    channels = 1;
  } else {
    const perPixel = obj.kind === RGB_24BPP ? 3 : obj.kind === RGBA_32BPP ? 4 : obj.data.length / (width * height);
    if (perPixel !== 1 && perPixel !== 3 && perPixel !== 4) return undefined;
    channels = perPixel;
    data = Buffer.from(obj.data.subarray(0, width * height * channels)); // a copy: pdf.js may reuse its buffer
  }
  const hash = createHash('sha256').update(`${width}x${height}x${channels}\n`).update(data).digest('hex');
  return { data, width, height, channels, hash };
}

export const rawToPng = (raw: RawImage) => sharp(raw.data, { raw: { width: raw.width, height: raw.height, channels: raw.channels } }).png().toBuffer();
