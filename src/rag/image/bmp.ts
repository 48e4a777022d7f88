/**
 * Windows BMP → raw RGB(A) pixels for sharp, which (libvips without ImageMagick) cannot read
 * BMP. Decoding is done by `bmp-ts` (the maintained TypeScript successor of bmp-js, used by
 * jimp): 1/4/8-bit palettes, 16/24/32-bit and bit-field variants, top-down or bottom-up.
 * Its output is A,B,G,R per pixel when `toRGBA` is off — the only mode all its paths agree on
 * (with `toRGBA`, palette images come out in the other order). Its RLE decoders write pixels
 * at the wrong offsets (bmp-ts 1.0.9), so RLE-compressed BMPs are refused with a clear reason.
 */
import { decode } from 'bmp-ts';

export interface RawPixels {
  data: Buffer;
  width: number;
  height: number;
  channels: 3 | 4;
}

/** True when `bytes` starts with the BMP signature ("BM") and a plausible header size. */
export function isBmp(bytes: Uint8Array): boolean {
  if (bytes.length < 26 || bytes[0] !== 0x42 || bytes[1] !== 0x4d) return false;
  const headerSize = bytes[14]! | (bytes[15]! << 8) | (bytes[16]! << 16) | (bytes[17]! << 24);
  return [12, 40, 52, 56, 64, 108, 124].includes(headerSize);
}

/**
 * Decode a BMP to RGB (or RGBA when a 32-bit image carries a real alpha channel).
 * Throws on malformed data (the caller reports the figure as unreadable).
 */
/** BITMAPINFOHEADER compression values bmp-ts cannot decode correctly. */
const RLE8 = 1;
const RLE4 = 2;

export function decodeBmp(bytes: Uint8Array): RawPixels {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const compression = buffer.length >= 34 ? buffer.readUInt32LE(30) : 0;
  if (compression === RLE8 || compression === RLE4) throw new Error('RLE-compressed BMP is not supported (save it as PNG)');
  const image = decode(buffer, { toRGBA: false });
  const { width, height } = image;
  if (!(width > 0) || !(height > 0) || image.data.length < width * height * 4) throw new Error('malformed BMP');
  const abgr = image.data;
  const n = width * height;
  // bmp-ts writes alpha 0 for formats without alpha; only a 32-bit image can carry real alpha.
  let hasAlpha = false;
  if (image.bitPP === 32) {
    for (let i = 0; i < n * 4; i += 4) {
      if (abgr[i] !== 0) {
        hasAlpha = true;
        break;
      }
    }
  }
  const channels = hasAlpha ? 4 : 3;
  const out = Buffer.alloc(n * channels);
  for (let p = 0, q = 0; p < n * 4; p += 4, q += channels) {
    out[q] = abgr[p + 3]!;
    out[q + 1] = abgr[p + 2]!;
    out[q + 2] = abgr[p + 1]!;
    if (hasAlpha) out[q + 3] = abgr[p]!;
  }
  return { data: out, width, height, channels };
}
