/**
 * Generates test/fixtures/clip-tiny: a CLIP-shaped model with random weights that loads
 * through the real transformers.js classes (AutoTokenizer, AutoProcessor,
 * CLIPTextModelWithProjection, CLIPVisionModelWithProjection).
 *
 *   npx tsx scripts/generate-clip-fixture.ts [outDir]
 *
 * Text tower: token embedding → masked mean → tanh → projection (`text_embeds`).
 * Vision tower: 8×8 patch conv on 32×32 pixels → tanh → flatten → projection (`image_embeds`).
 * Deterministic (seeded PRNG), so regenerating gives byte-identical files.
 * Random weights prove the code path, not retrieval quality.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildTokenizer } from './clip-fixture/bpe-tokenizer.js';
import { encodeModel, type GraphSpec } from './clip-fixture/onnx-writer.js';

export const FIXTURE_PROJECTION_DIM = 32;
const TEXT_HIDDEN = 32;
const VISION_HIDDEN = 32;
const IMAGE_SIZE = 32;
const PATCH = 8;
const MERGES = 480;

/** Training text for the BPE merges: everyday documentation English. */
const CORPUS = `
The bot answers questions in a Discord or Slack thread from the team's documents and their figures.
A worker embeds the question with CLIP, searches the index of text chunks and figures, and asks a
vision language model to answer with the retrieved figures attached. The architecture diagram shows
the gateway, the queue, the worker, the index and the model. Set up the application, invite it to the
server, copy the token into the environment and start the process. Ingest documents: Markdown, HTML,
PDF pages and images with captions are split into chunks, embedded and stored. Retrieval combines
vector similarity with keyword search and returns the best sections and diagrams for the question.
What is the answer? How does it work? Where is the configuration? Which component posts the reply?
This is a photo of a cat, a dog, a car, a chart, a table, a screenshot of the settings page.
`.repeat(3);

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomFloats(n: number, scale: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * scale;
  return out;
}

const int64 = (values: number[]) => BigInt64Array.from(values.map(BigInt));

function textGraph(vocabSize: number, rand: () => number): GraphSpec {
  return {
    name: 'clip_tiny_text',
    inputs: [
      { name: 'input_ids', type: 'int64', shape: ['batch_size', 'sequence_length'] },
      { name: 'attention_mask', type: 'int64', shape: ['batch_size', 'sequence_length'] },
    ],
    outputs: [
      { name: 'text_embeds', type: 'float', shape: ['batch_size', FIXTURE_PROJECTION_DIM] },
      { name: 'last_hidden_state', type: 'float', shape: ['batch_size', 'sequence_length', TEXT_HIDDEN] },
    ],
    initializers: [
      { name: 'token_embedding', dims: [vocabSize, TEXT_HIDDEN], data: randomFloats(vocabSize * TEXT_HIDDEN, 1, rand) },
      { name: 'text_projection', dims: [TEXT_HIDDEN, FIXTURE_PROJECTION_DIM], data: randomFloats(TEXT_HIDDEN * FIXTURE_PROJECTION_DIM, 0.3, rand) },
      { name: 'axis_seq', dims: [1], data: int64([1]) },
      { name: 'axis_last', dims: [1], data: int64([2]) },
    ],
    nodes: [
      { op: 'Gather', inputs: ['token_embedding', 'input_ids'], outputs: ['last_hidden_state'], attributes: { axis: 0 } },
      { op: 'Cast', inputs: ['attention_mask'], outputs: ['mask_f'], attributes: { to: 1 } },
      { op: 'Unsqueeze', inputs: ['mask_f', 'axis_last'], outputs: ['mask_3d'] },
      { op: 'Mul', inputs: ['last_hidden_state', 'mask_3d'], outputs: ['masked'] },
      { op: 'ReduceSum', inputs: ['masked', 'axis_seq'], outputs: ['summed'], attributes: { keepdims: 0 } },
      { op: 'ReduceSum', inputs: ['mask_3d', 'axis_seq'], outputs: ['count'], attributes: { keepdims: 0 } },
      { op: 'Div', inputs: ['summed', 'count'], outputs: ['mean'] },
      { op: 'Tanh', inputs: ['mean'], outputs: ['pooled'] },
      { op: 'MatMul', inputs: ['pooled', 'text_projection'], outputs: ['text_embeds'] },
    ],
  };
}

function visionGraph(rand: () => number): GraphSpec {
  const grid = IMAGE_SIZE / PATCH;
  const flat = VISION_HIDDEN * grid * grid;
  return {
    name: 'clip_tiny_vision',
    inputs: [{ name: 'pixel_values', type: 'float', shape: ['batch_size', 3, IMAGE_SIZE, IMAGE_SIZE] }],
    outputs: [{ name: 'image_embeds', type: 'float', shape: ['batch_size', FIXTURE_PROJECTION_DIM] }],
    initializers: [
      { name: 'patch_weight', dims: [VISION_HIDDEN, 3, PATCH, PATCH], data: randomFloats(VISION_HIDDEN * 3 * PATCH * PATCH, 0.1, rand) },
      { name: 'patch_bias', dims: [VISION_HIDDEN], data: randomFloats(VISION_HIDDEN, 0.1, rand) },
      { name: 'visual_projection', dims: [flat, FIXTURE_PROJECTION_DIM], data: randomFloats(flat * FIXTURE_PROJECTION_DIM, 0.1, rand) },
    ],
    nodes: [
      { op: 'Conv', inputs: ['pixel_values', 'patch_weight', 'patch_bias'], outputs: ['patches'], attributes: { kernel_shape: [PATCH, PATCH], strides: [PATCH, PATCH] } },
      { op: 'Tanh', inputs: ['patches'], outputs: ['activated'] },
      { op: 'Flatten', inputs: ['activated'], outputs: ['flat'], attributes: { axis: 1 } },
      { op: 'MatMul', inputs: ['flat', 'visual_projection'], outputs: ['image_embeds'] },
    ],
  };
}

export function generateClipFixture(outDir: string): void {
  const rand = mulberry32(20240601);
  const tok = buildTokenizer(CORPUS, MERGES);
  mkdirSync(path.join(outDir, 'onnx'), { recursive: true });
  const json = (name: string, value: object) => writeFileSync(path.join(outDir, name), JSON.stringify(value, null, 2) + '\n');

  json('config.json', {
    _comment: 'Tiny CLIP-shaped test fixture with random weights (scripts/generate-clip-fixture.ts). Not a real model.',
    model_type: 'clip',
    architectures: ['CLIPModel'],
    projection_dim: FIXTURE_PROJECTION_DIM,
    text_config: { model_type: 'clip_text_model', hidden_size: TEXT_HIDDEN, vocab_size: tok.vocabSize, max_position_embeddings: 77, projection_dim: FIXTURE_PROJECTION_DIM },
    vision_config: { model_type: 'clip_vision_model', hidden_size: VISION_HIDDEN, image_size: IMAGE_SIZE, patch_size: PATCH, projection_dim: FIXTURE_PROJECTION_DIM },
  });
  json('preprocessor_config.json', {
    crop_size: { height: IMAGE_SIZE, width: IMAGE_SIZE },
    do_center_crop: true,
    do_convert_rgb: true,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    // Both keys: transformers.js picks the processor class from either.
    feature_extractor_type: 'CLIPFeatureExtractor',
    image_processor_type: 'CLIPImageProcessor',
    image_mean: [0.48145466, 0.4578275, 0.40821073],
    image_std: [0.26862954, 0.26130258, 0.27577711],
    resample: 3,
    rescale_factor: 1 / 255,
    size: { shortest_edge: IMAGE_SIZE },
  });
  json('tokenizer.json', tok.tokenizerJson);
  json('tokenizer_config.json', tok.tokenizerConfig);
  json('special_tokens_map.json', tok.specialTokensMap);
  writeFileSync(path.join(outDir, 'onnx', 'text_model.onnx'), encodeModel(textGraph(tok.vocabSize, rand)));
  writeFileSync(path.join(outDir, 'onnx', 'vision_model.onnx'), encodeModel(visionGraph(rand)));
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const outDir = path.resolve(process.argv[2] ?? 'test/fixtures/clip-tiny');
  generateClipFixture(outDir);
  console.log(`wrote CLIP fixture to ${outDir}`);
}
