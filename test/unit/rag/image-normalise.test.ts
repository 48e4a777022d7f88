/**
 * The one image normaliser: every input kind a reader's viewer shows becomes an upright, opaque,
 * 8-bit sRGB PNG/JPEG with the displayed size. Field cases img-formats, img-transparent and
 * chat-unsupported-image, plus other members of each kind made here (EXIF orientations,
 * palette PNG, animated GIF, BMP variants, WebP, SVG without a size).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { ImageError, normaliseImage } from '../../../src/rag/image/normalise.js';

const FIELD = path.resolve('test/fixtures/field');
const field = (p: string) => readFileSync(path.join(FIELD, p));

/** Raw RGB pixels of an encoded image, at a fixed size, for comparisons. */
async function pixels(bytes: Uint8Array): Promise<Buffer> {
  return sharp(bytes).resize(90, 40, { fit: 'fill' }).removeAlpha().raw().toBuffer();
}
const meanAbsDiff = (a: Buffer, b: Buffer) => a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0) / a.length;

async function expectNormal(bytes: Uint8Array, format?: 'png' | 'jpeg') {
  const meta = await sharp(bytes).metadata();
  expect(['png', 'jpeg']).toContain(meta.format);
  if (format) expect(meta.format).toBe(format);
  expect(meta).toMatchObject({ channels: 3, depth: 'uchar', space: 'srgb', hasAlpha: false });
  expect(meta.orientation ?? 1).toBe(1);
}

/** A BMP file: BITMAPINFOHEADER, 8-bit palette or 24-bit, bottom-up or top-down rows. */
function makeBmp(width: number, height: number, bitPP: 8 | 24, topDown: boolean, colour: (x: number, y: number) => [number, number, number]): Buffer {
  const palette: Array<[number, number, number]> = [];
  const index = new Map<string, number>();
  const rowBytes = Math.ceil((width * bitPP) / 8 / 4) * 4;
  const pixelsOut = Buffer.alloc(rowBytes * height);
  for (let row = 0; row < height; row++) {
    const y = topDown ? row : height - 1 - row;
    for (let x = 0; x < width; x++) {
      const [r, g, b] = colour(x, y);
      if (bitPP === 24) pixelsOut.set([b, g, r], row * rowBytes + x * 3);
      else {
        const key = `${r},${g},${b}`;
        if (!index.has(key)) index.set(key, palette.push([r, g, b]) - 1);
        pixelsOut[row * rowBytes + x] = index.get(key)!;
      }
    }
  }
  const paletteBytes = bitPP === 8 ? 256 * 4 : 0;
  const header = Buffer.alloc(54 + paletteBytes);
  header.write('BM', 0, 'latin1');
  header.writeUInt32LE(54 + paletteBytes + pixelsOut.length, 2);
  header.writeUInt32LE(54 + paletteBytes, 10);
  header.writeUInt32LE(40, 14);
  header.writeInt32LE(width, 18);
  header.writeInt32LE(topDown ? -height : height, 22);
  header.writeUInt16LE(1, 26);
  header.writeUInt16LE(bitPP, 28);
  header.writeUInt32LE(pixelsOut.length, 34);
  if (bitPP === 8) {
    header.writeUInt32LE(256, 46);
    palette.forEach(([r, g, b], i) => header.set([b, g, r, 0], 54 + i * 4));
  }
  return Buffer.concat([header, pixelsOut]);
}

/** An 8-bit BMP header claiming RLE8 compression (bmp-ts mis-decodes RLE, so it is refused). */
function rle8Bmp(): Buffer {
  const bmp = makeBmp(8, 8, 8, false, () => [1, 2, 3]);
  bmp.writeUInt32LE(1, 30);
  return bmp;
}

/** Left half red, right half blue (so a flipped or mirrored decode shows). */
const halves = (width: number) => (x: number): [number, number, number] => (x < width / 2 ? [220, 20, 20] : [20, 20, 220]);

describe('img-formats: the same picture in six encodings', () => {
  const files = ['ref-rgb8.png', 'ref-rgb.jpg', 'gray.png', 'gray-alpha.png', 'rgb16.png', 'cmyk.jpg'];
  it.each(files)('%s decodes to an 8-bit sRGB image of 360×160 that looks like the reference', async (file) => {
    const image = await normaliseImage(field(`img-formats/${file}`));
    await expectNormal(image.bytes);
    expect(image).toMatchObject({ width: 360, height: 160, blank: false });
    const reference = await pixels(field('img-formats/ref-rgb8.png'));
    expect(meanAbsDiff(await pixels(image.bytes), reference)).toBeLessThan(12);
  });

  it('keeps a lossy source lossy (JPEG stays JPEG) and converts lossless ones to PNG', async () => {
    expect((await normaliseImage(field('img-formats/cmyk.jpg'))).format).toBe('jpeg');
    expect((await normaliseImage(field('img-formats/rgb16.png'))).format).toBe('png');
  });

  it('keeps the bytes of an image that is already normal, and hashes what it returns', async () => {
    const bytes = field('img-formats/ref-rgb8.png');
    const image = await normaliseImage(bytes);
    expect(Buffer.compare(image.bytes, bytes)).toBe(0);
    expect(image.hash).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('img-transparent: alpha is flattened onto white, as a viewer shows it', () => {
  it('makes transparent line art (nearly) identical to the same drawing on white, and unlike a black square', async () => {
    const transparent = await pixels((await normaliseImage(field('img-transparent/flow-transparent.png'))).bytes);
    const white = await pixels((await normaliseImage(field('img-transparent/flow-white.png'))).bytes);
    const black = await pixels((await normaliseImage(field('img-transparent/all-black.png'))).bytes);
    expect(meanAbsDiff(transparent, white)).toBeLessThan(2);
    expect(meanAbsDiff(transparent, black)).toBeGreaterThan(150);
  });

  it('flattens grey+alpha and palette-with-transparency images too', async () => {
    const grey = await sharp({ create: { width: 64, height: 64, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } } }).png({ palette: true }).toBuffer();
    const image = await normaliseImage(grey);
    await expectNormal(image.bytes);
    const [r, g, b] = await sharp(image.bytes).raw().toBuffer();
    expect([r, g, b]).toEqual([255, 255, 255]);
  });
});

describe('chat-unsupported-image: formats a model cannot take become PNG/JPEG', () => {
  it.each(['screenshot.png', 'screenshot.bmp', 'screenshot.avif', 'screenshot.tiff', 'diagram.svg'])('%s', async (file) => {
    const image = await normaliseImage(field(`chat-unsupported-image/${file}`));
    await expectNormal(image.bytes);
    expect(image).toMatchObject({ width: 200, height: 100 });
    expect(image.sourceFormat).toBe({ png: 'png', bmp: 'bmp', avif: 'avif', tiff: 'tiff', svg: 'svg' }[file.split('.').pop()!]);
  });

  it('the BMP decodes to the same pixels as the PNG', async () => {
    const png = await pixels((await normaliseImage(field('chat-unsupported-image/screenshot.png'))).bytes);
    const bmp = await pixels((await normaliseImage(field('chat-unsupported-image/screenshot.bmp'))).bytes);
    expect(meanAbsDiff(png, bmp)).toBeLessThan(1);
  });
});

describe('other members of each kind', () => {
  it.each([
    [8, false],
    [8, true],
    [24, false],
    [24, true],
  ] as const)('BMP %i-bit, top-down %s: right way up, right colours', async (bitPP, topDown) => {
    const image = await normaliseImage(makeBmp(40, 36, bitPP, topDown, halves(40)));
    await expectNormal(image.bytes, 'png');
    expect(image).toMatchObject({ width: 40, height: 36 });
    const raw = await sharp(image.bytes).raw().toBuffer();
    expect([...raw.subarray(0, 3)]).toEqual([220, 20, 20]); // top-left is red
    expect([...raw.subarray(raw.length - 3)]).toEqual([20, 20, 220]); // bottom-right is blue
  });

  it.each([
    [6, { width: 48, height: 64 }],
    [8, { width: 48, height: 64 }],
    [3, { width: 64, height: 48 }],
  ])('applies EXIF orientation %i: stored upright with the displayed width/height', async (orientation, size) => {
    const raw = await sharp({ create: { width: 64, height: 48, channels: 3, background: '#3366cc' } }).png().toBuffer();
    const jpeg = await sharp(raw).jpeg().withMetadata({ orientation }).toBuffer();
    const image = await normaliseImage(jpeg);
    expect(image).toMatchObject(size);
    await expectNormal(image.bytes, 'jpeg');
    expect((await sharp(image.bytes).metadata()).width).toBe(size.width);
  });

  it('takes the first frame of an animated GIF', async () => {
    const frame = (colour: string) => sharp({ create: { width: 64, height: 48, channels: 3, background: colour } }).png().toBuffer();
    const gif = await sharp([await frame('#ff0000'), await frame('#0000ff')], { join: { animated: true } }).gif().toBuffer();
    const image = await normaliseImage(gif);
    expect(image).toMatchObject({ width: 64, height: 48, format: 'png' });
    const [r, , b] = await sharp(image.bytes).raw().toBuffer();
    expect(r).toBeGreaterThan(200);
    expect(b).toBeLessThan(50);
  });

  it('converts WebP and a 16-bit greyscale PNG', async () => {
    const base = sharp({ create: { width: 50, height: 40, channels: 3, background: '#80c080' } });
    const webp = await normaliseImage(await base.clone().webp().toBuffer());
    await expectNormal(webp.bytes, 'png');
    const grey16 = await normaliseImage(await base.clone().greyscale().toColourspace('grey16').png().toBuffer());
    await expectNormal(grey16.bytes, 'png');
    expect(grey16).toMatchObject({ width: 50, height: 40 });
  });

  it('rasterises an SVG sized only by its viewBox at its declared size, sharper inside', async () => {
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 300 120"><rect x="10" y="10" width="280" height="100" fill="#224488"/></svg>');
    const image = await normaliseImage(svg);
    expect(image).toMatchObject({ width: 300, height: 120, sourceFormat: 'svg' });
    expect((await sharp(image.bytes).metadata()).width).toBeGreaterThanOrEqual(1024);
  });

  it('tells a blank (one-colour) image from a drawing', async () => {
    expect((await normaliseImage(field('img-transparent/all-black.png'))).blank).toBe(true);
    expect((await normaliseImage(field('img-transparent/flow-white.png'))).blank).toBe(false);
  });
});

describe('unreadable input fails with a reason', () => {
  it.each([
    ['empty', Buffer.alloc(0), /empty image/],
    ['truncated PNG', field('img-formats/ref-rgb8.png').subarray(0, 200), /corrupt or unsupported/],
    ['not an image', Buffer.from('%PDF-1.4 not an image at all'), /corrupt or unsupported|unsupported image format/],
    ['broken BMP', Buffer.concat([Buffer.from('BM'), Buffer.alloc(12), Buffer.from([40, 0, 0, 0]), Buffer.alloc(10)]), /BMP|corrupt/],
    ['RLE-compressed BMP', rle8Bmp(), /RLE-compressed BMP is not supported/],
    ['SVG that is not XML', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect></svg>'), /corrupt or unsupported/],
  ])('%s', async (_name, bytes, reason) => {
    await expect(normaliseImage(bytes)).rejects.toBeInstanceOf(ImageError);
    await expect(normaliseImage(bytes)).rejects.toThrow(reason);
  });
});
