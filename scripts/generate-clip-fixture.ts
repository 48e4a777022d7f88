/**
 * Generates the tiny test models under test/fixtures: CLIP- and SigLIP-shaped, random
 * weights, loaded by the real transformers.js classes (AutoTokenizer, AutoProcessor,
 * CLIPTextModelWithProjection / CLIPVisionModelWithProjection, SiglipTextModel /
 * SiglipVisionModel) exactly like the real Xenova/* exports.
 *
 *   npx tsx scripts/generate-clip-fixture.ts                      # both committed fixtures
 *   npx tsx scripts/generate-clip-fixture.ts --family clip --shape base /tmp/clip-b16
 *   npx tsx scripts/generate-clip-fixture.ts --family clip --shape base --q8 /tmp/clip-b16
 *
 * `--shape base` writes a real-size model (CLIP ViT-B/16 or SigLIP base-patch16-224 shapes,
 * hundreds of MB) for timing and memory benchmarks; never commit one. `--q8` also writes the
 * `_quantized` files transformers.js loads for `dtype: 'q8'` (clip-fixture/quantize.ts). Deterministic (seeded
 * PRNG), so regenerating gives byte-identical files. Random weights prove the code path, not
 * retrieval quality.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildTokenizer } from './clip-fixture/bpe-tokenizer.js';
import { CLIP_VIT_B16, TINY_CLIP, clipTextGraph, clipVisionGraph, type ClipShape } from './clip-fixture/clip-graphs.js';
import { mulberry32 } from './clip-fixture/graph-builder.js';
import { encodeModel, type GraphSpec } from './clip-fixture/onnx-writer.js';
import { quantizeDynamic } from './clip-fixture/quantize.js';
import { SIGLIP_BASE_PATCH16_224, TINY_SIGLIP, siglipTextGraph, siglipVisionGraph, type SiglipShape } from './clip-fixture/siglip-graphs.js';
import { buildUnigramTokenizer } from './clip-fixture/unigram-tokenizer.js';

export { CLIP_VIT_B16, TINY_CLIP, type ClipShape } from './clip-fixture/clip-graphs.js';
export { SIGLIP_BASE_PATCH16_224, TINY_SIGLIP, type SiglipShape } from './clip-fixture/siglip-graphs.js';

export const FIXTURE_PROJECTION_DIM = TINY_CLIP.projection;

/** Training text for the tokenizers: everyday documentation English. */
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

type Writer = (name: string, data: string | Uint8Array) => void;

export interface FixtureOptions {
  /** Also write onnx/*_quantized.onnx (dynamic uint8 quantisation of the weights: dtype 'q8'). */
  q8?: boolean;
}

/** onnx/<name>.onnx, and with `q8` onnx/<name>_quantized.onnx. */
function writeGraph(file: Writer, name: string, graph: GraphSpec, opset: number, options: FixtureOptions): void {
  file(`onnx/${name}.onnx`, encodeModel(graph, opset));
  if (options.q8) file(`onnx/${name}_quantized.onnx`, encodeModel(quantizeDynamic(graph), Math.max(opset, 13)));
}

function writerFor(outDir: string): { json: (name: string, value: object) => void; file: Writer } {
  mkdirSync(path.join(outDir, 'onnx'), { recursive: true });
  const file: Writer = (name, data) => writeFileSync(path.join(outDir, name), data);
  return { file, json: (name, value) => file(name, JSON.stringify(value, null, 2) + '\n') };
}

/** Writes a CLIP-shaped model directory (default: the committed tiny fixture). */
export function generateClipFixture(outDir: string, shape: ClipShape = TINY_CLIP, options: FixtureOptions = {}): void {
  const rand = mulberry32(20240601);
  const tok = buildTokenizer(CORPUS, shape.merges, shape.text.maxLength);
  const { json, file } = writerFor(outDir);
  const vocab = Math.max(tok.vocabSize, shape.text.vocab);
  const tower = (t: ClipShape['text'] | ClipShape['vision']) =>
    t.layers > 0 ? { num_hidden_layers: t.layers, num_attention_heads: t.heads, intermediate_size: t.mlp } : {};
  json('config.json', {
    _comment: 'Tiny CLIP-shaped test fixture with random weights (scripts/generate-clip-fixture.ts). Not a real model.',
    model_type: 'clip',
    architectures: ['CLIPModel'],
    projection_dim: shape.projection,
    text_config: { model_type: 'clip_text_model', hidden_size: shape.text.hidden, vocab_size: vocab, max_position_embeddings: shape.text.maxLength, projection_dim: shape.projection, ...tower(shape.text) },
    vision_config: { model_type: 'clip_vision_model', hidden_size: shape.vision.hidden, image_size: shape.vision.imageSize, patch_size: shape.vision.patch, projection_dim: shape.projection, ...tower(shape.vision) },
  });
  const size = shape.vision.imageSize;
  json('preprocessor_config.json', {
    crop_size: { height: size, width: size },
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
    size: { shortest_edge: size },
  });
  json('tokenizer.json', tok.tokenizerJson);
  json('tokenizer_config.json', tok.tokenizerConfig);
  json('special_tokens_map.json', tok.specialTokensMap);
  const opset = shape.text.layers > 0 || shape.vision.layers > 0 ? 17 : 13;
  writeGraph(file, 'text_model', clipTextGraph(shape, tok.vocabSize, rand), opset, options);
  writeGraph(file, 'vision_model', clipVisionGraph(shape, rand), opset, options);
}

/** Writes a SigLIP-shaped model directory (default: the committed tiny fixture). */
export function generateSiglipFixture(outDir: string, shape: SiglipShape = TINY_SIGLIP, options: FixtureOptions = {}): void {
  const rand = mulberry32(20250301);
  const tok = buildUnigramTokenizer(CORPUS, shape.text.maxLength);
  const { json, file } = writerFor(outDir);
  const tower = (t: SiglipShape['text'] | SiglipShape['vision']) => ({ hidden_size: t.hidden, num_hidden_layers: t.layers, num_attention_heads: t.heads, intermediate_size: t.mlp });
  json('config.json', {
    _comment: 'Tiny SigLIP-shaped test fixture with random weights (scripts/generate-clip-fixture.ts). Not a real model.',
    model_type: 'siglip',
    architectures: ['SiglipModel'],
    text_config: { model_type: 'siglip_text_model', vocab_size: Math.max(tok.vocabSize, shape.text.vocab), max_position_embeddings: shape.text.maxLength, ...tower(shape.text) },
    vision_config: { model_type: 'siglip_vision_model', image_size: shape.vision.imageSize, patch_size: shape.vision.patch, ...tower(shape.vision) },
  });
  const size = shape.vision.imageSize;
  json('preprocessor_config.json', {
    do_convert_rgb: true,
    do_normalize: true,
    do_rescale: true,
    do_resize: true,
    feature_extractor_type: 'SiglipImageProcessor',
    image_processor_type: 'SiglipImageProcessor',
    image_mean: [0.5, 0.5, 0.5],
    image_std: [0.5, 0.5, 0.5],
    resample: 2,
    rescale_factor: 1 / 255,
    size: { height: size, width: size },
  });
  json('tokenizer.json', tok.tokenizerJson);
  json('tokenizer_config.json', tok.tokenizerConfig);
  json('special_tokens_map.json', tok.specialTokensMap);
  writeGraph(file, 'text_model', siglipTextGraph(shape, tok.vocabSize, rand), 17, options);
  writeGraph(file, 'vision_model', siglipVisionGraph(shape, rand), 17, options);
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === path.resolve(new URL(import.meta.url).pathname);
if (isMain) {
  const args = process.argv.slice(2);
  const flag = (name: string) => {
    const i = args.indexOf(name);
    return i >= 0 ? args.splice(i, 2)[1] : undefined;
  };
  const family = flag('--family');
  const base = flag('--shape') === 'base';
  const q8i = args.indexOf('--q8');
  const options: FixtureOptions = { q8: q8i >= 0 && args.splice(q8i, 1).length > 0 };
  const outDir = args[0];
  if (family !== 'siglip') {
    const dir = path.resolve(family ? (outDir ?? 'clip-model') : 'test/fixtures/clip-tiny');
    generateClipFixture(dir, base ? CLIP_VIT_B16 : TINY_CLIP, options);
    console.log(`wrote a CLIP-shaped model to ${dir}`);
  }
  if (family !== 'clip') {
    const dir = path.resolve(family ? (outDir ?? 'siglip-model') : 'test/fixtures/siglip-tiny');
    generateSiglipFixture(dir, base ? SIGLIP_BASE_PATCH16_224 : TINY_SIGLIP, options);
    console.log(`wrote a SigLIP-shaped model to ${dir}`);
  }
}
