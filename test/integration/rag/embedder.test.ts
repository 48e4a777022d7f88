import { cpSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TINY_CLIP, generateClipFixture, generateSiglipFixture } from '../../../scripts/generate-clip-fixture.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { dot } from '../../../src/rag/embed/vector.js';

const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const SIGLIP = path.resolve('test/fixtures/siglip-tiny');

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

  it('reports the model dir, the family, the projection dimension and an identity without the path', () => {
    expect(embedder.modelId).toBe(FIXTURE);
    expect(embedder.family).toBe('clip');
    expect(embedder.dtype).toBe('fp32');
    expect(embedder.dim).toBe(32);
    expect(embedder.maxTokens).toBe(77);
    expect(embedder.identity).toEqual({ id: 'clip-tiny', dim: 32, fingerprint: expect.stringMatching(/^[0-9a-f]{16}$/) });
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

describe('SigLIP-family models load through the same path (tiny committed SigLIP fixture)', () => {
  let embedder: Embedder;
  beforeAll(async () => {
    embedder = await createEmbedder(SIGLIP, { textBatchSize: 2, imageBatchSize: 2 });
  });
  afterAll(async () => {
    await embedder.close();
  });

  it('is recognised from its config, with its own token budget and identity', () => {
    expect(embedder.family).toBe('siglip');
    expect(embedder.dim).toBe(32);
    expect(embedder.maxTokens).toBe(64); // SigLIP's text length, not CLIP's 77
    expect(embedder.identity.id).toBe('siglip-tiny');
    expect(embedder.identity.fingerprint).toMatch(/^[0-9a-f]{16}$/);
  });

  it('pads every text to the full length, so a text embeds the same alone or in any batch', async () => {
    const alone = (await embedder.embedTexts(['a cat']))[0]!;
    const batched = await embedder.embedTexts(['the architecture diagram of the worker, the queue and the index', 'a cat', 'x']);
    expect(Array.from(batched[1]!)).toEqual(Array.from(alone));
    for (const v of batched) expect(Math.sqrt(dot(v, v))).toBeCloseTo(1, 5);
    expect(dot(batched[0]!, batched[1]!)).toBeLessThan(0.9999);
  });

  it('embeds images into unit vectors that differ by content', async () => {
    const [red, blue] = await embedder.embedImages([await png(255, 0, 0), await png(0, 0, 255, 64, 64)]);
    expect(Math.sqrt(dot(red!, red!))).toBeCloseTo(1, 5);
    expect(dot(red!, blue!)).toBeLessThan(0.999);
  });
});

describe('model directories and dtypes', () => {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-models-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('names the missing files of a model directory for the configured dtype', async () => {
    const err = await createEmbedder(FIXTURE, { dtype: 'q8' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'embedding_model_unavailable' });
    expect((err as Error).message).toContain('onnx/text_model_quantized.onnx, onnx/vision_model_quantized.onnx missing');
    expect((err as Error).message).toContain('EMBEDDING_DTYPE=q8');
  });

  it('loads the q8 and fp16 files (transformers.js suffixes _quantized, _fp16) when the dtype asks for them', async () => {
    for (const [dtype, suffix] of [['q8', '_quantized'], ['fp16', '_fp16']] as const) {
      const dir = path.join(tmp, `clip-${dtype}`);
      cpSync(FIXTURE, dir, { recursive: true });
      // Same graph under the dtype's file names, and no fp32 files: only the suffixed ones can load.
      for (const tower of ['text_model', 'vision_model']) renameSync(path.join(dir, 'onnx', `${tower}.onnx`), path.join(dir, 'onnx', `${tower}${suffix}.onnx`));
      const embedder = await createEmbedder(dir, { dtype });
      expect(embedder.dtype).toBe(dtype);
      expect(embedder.dim).toBe(32);
      await embedder.close();
    }
  });

  it('refuses a model whose config is not a CLIP or SigLIP dual encoder', async () => {
    const dir = path.join(tmp, 'bert-like');
    cpSync(FIXTURE, dir, { recursive: true });
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ ...config, model_type: 'bert' }));
    const err = await createEmbedder(dir).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'embedding_model_unavailable' });
    expect((err as Error).message).toContain('model_type "bert" is not a supported dual encoder (supported: clip, siglip)');
  });

  it('says so when the directory does not exist', async () => {
    const missing = path.join(tmp, 'nowhere', 'clip');
    await expect(createEmbedder(missing)).rejects.toThrow(`there is no directory ${missing}`);
  });
});

describe('the fixture generator', () => {
  const compare = (generated: string, committed: string) => {
    for (const file of ['config.json', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json', 'special_tokens_map.json', 'onnx/text_model.onnx', 'onnx/vision_model.onnx']) {
      expect(readFileSync(path.join(generated, file)).equals(readFileSync(path.join(committed, file))), file).toBe(true);
    }
    expect(readdirSync(path.join(generated, 'onnx')).sort()).toEqual(['text_model.onnx', 'vision_model.onnx']);
  };

  it('regenerates the committed CLIP fixture byte for byte', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clip-fixture-'));
    try {
      generateClipFixture(dir);
      compare(dir, FIXTURE);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('regenerates the committed SigLIP fixture byte for byte', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'siglip-fixture-'));
    try {
      generateSiglipFixture(dir);
      compare(dir, SIGLIP);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes deeper models by shape (transformer layers, heads) that load and embed like the tiny one', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'clip-layers-'));
    try {
      const layered = { hidden: 32, layers: 2, heads: 4, mlp: 64 };
      generateClipFixture(dir, { ...TINY_CLIP, text: { ...TINY_CLIP.text, ...layered }, vision: { ...TINY_CLIP.vision, ...layered } });
      const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { text_config: Record<string, number> };
      expect(config.text_config).toMatchObject({ num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 64 });
      expect(statSync(path.join(dir, 'onnx', 'text_model.onnx')).size).toBeGreaterThan(statSync(path.join(FIXTURE, 'onnx', 'text_model.onnx')).size);
      const embedder = await createEmbedder(dir);
      const [t] = await embedder.embedTexts(['the architecture diagram']);
      const [i] = await embedder.embedImages([await png(10, 200, 30)]);
      expect(t!.length).toBe(32);
      expect(Math.sqrt(dot(i!, i!))).toBeCloseTo(1, 5);
      await embedder.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
