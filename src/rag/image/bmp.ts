/**
 * Windows BMP → raw RGB(A) pixels for sharp, which (libvips without ImageMagick) cannot read
 * BMP. Decoding is done by `bmp-ts` (the maintained TypeScript successor of bmp-js, used by
 * jimp): 1/4/8-bit palettes, RLE, 16/24/32-bit and bit-field variants, top-down or bottom-up.
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
export function decodeBmp(bytes: Uint8Array): RawPixels {
  const image = decode(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { toRGBA: true });
  const { width, height } = image;
  if (!(width > 0) || !(height > 0) || image.data.length < width * height * 4) throw new Error('malformed BMP');
  const rgba = image.data;
  // bmp-ts writes alpha 0 for formats without alpha; only a 32-bit image can have real alpha.
  let hasAlpha = false;
  if (image.bitPP === 32) {
    for (let i = 3; i < width * height * 4; i += 4) {
      if (rgba[i] !== 0) {
        hasAlpha = true;
        break;
      }
    }
  }
  if (hasAlpha) return { data: Buffer.from(rgba.subarray(0, width * height * 4)), width, height, channels: 4 };
  const rgb = Buffer.alloc(width * height * 3);
  for (let p = 0, q = 0; p < width * height * 4; p += 4, q += 3) {
    rgb[q] = rgba[p]!;
    rgb[q + 1] = rgba[p + 1]!;
    rgb[q + 2] = rgba[p + 2]!;
  }
  return { data: rgb, width, height, channels: 3 };
}
