import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClipFixture } from '../../../scripts/generate-clip-fixture.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { dot } from '../../../src/rag/embed/vector.js';

const FIXTURE = path.resolve('test/fixtures/clip-tiny');

const png = (r: number, g: number, b: number, width = 40, height = 30) =>
  sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).png().toBuffer();

describe('CLIP embedder on the tiny committed fixture (real transformers.js classes)', () => {
  let embedder: Embedder;
  beforeAll(async () => {
    embedder = await createEmbedder(FIXTURE, { textBatchSize: 2, imageBatchSize: 2 });
  });
  afterAll(async () => {
    await embedder.close();
  });

  it('reports the model dir and the projection dimension', () => {
    expect(embedder.modelId).toBe(FIXTURE);
    expect(embedder.dim).toBe(32);
    expect(embedder.maxTokens).toBe(77);
  });

  it('embeds texts in batches into unit vectors, deterministically', async () => {
    const texts = ['the architecture diagram', 'how to set up Slack', 'a photo of a cat', 'the architecture diagram', 'x'];
    const vectors = await embedder.embedTexts(texts);
    expect(vectors).toHaveLength(5);
    for (const v of vectors) expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    expect(Array.from(vectors[0]!)).toEqual(Array.from(vectors[3]!)); // same text across batches
    expect(dot(vectors[0]!, vectors[1]!)).toBeLessThan(0.9999);
  });

  it('embeds images (png, jpeg, webp, gif) into unit vectors that differ by content', async () => {
    const red = await png(255, 0, 0);
    const blue = await png(0, 0, 255, 64, 64);
    const jpeg = await sharp(red).jpeg().toBuffer();
    const webp = await sharp(blue).webp().toBuffer();
    const gif = await sharp(blue).gif().toBuffer();
    const vectors = await embedder.embedImages([red, blue, jpeg, webp, gif]);
    expect(vectors).toHaveLength(5);
    for (const v of vectors) expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    expect(dot(vectors[0]!, vectors[1]!)).toBeLessThan(0.999);
    expect(dot(vectors[0]!, vectors[2]!)).toBeGreaterThan(0.99); // jpeg of the same red image
  });

  it('rejects corrupt image bytes with a user-facing error', async () => {
    await expect(embedder.embedImages([Buffer.from('not an image at all')])).rejects.toMatchObject({ code: 'image_unreadable' });
  });

  it('counts tokens with the real tokenizer, without the special tokens', () => {
    const ids = embedder.tokenize('the architecture');
    expect(ids.length).toBeGreaterThan(0);
    expect(embedder.countTokens('the architecture the architecture')).toBe(2 * ids.length);
  });

  it('fails with a clear error for a model that is not there', async () => {
    await expect(createEmbedder(path.join(os.tmpdir(), 'no-such-model-dir'))).rejects.toMatchObject({ code: 'embedding_model_unavailable' });
  });
});

describe('the fixture generator', () => {
  it('regenerates the committed fixture byte for byte', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clip-fixture-'));
    try {
      generateClipFixture(dir);
      for (const file of ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'onnx/text_model.onnx', 'onnx/vision_model.onnx']) {
        expect(readFileSync(path.join(dir, file)).equals(readFileSync(path.join(FIXTURE, file))), file).toBe(true);
      }
      expect(readdirSync(path.join(dir, 'onnx')).sort()).toEqual(['text_model.onnx', 'vision_model.onnx']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
