/**
 * The two ONNX graphs of a CLIP-shaped model, as transformers.js's
 * CLIPTextModelWithProjection / CLIPVisionModelWithProjection expect them:
 *
 * - text_model.onnx: input_ids, attention_mask [B, T] → text_embeds [B, P], last_hidden_state
 * - vision_model.onnx: pixel_values [B, 3, S, S] → image_embeds [B, P]
 *
 * With `layers: 0` (the committed tiny fixture) a tower is an embedding, a masked mean or a
 * patch conv, tanh and a projection. With layers it is a real pre-LN ViT/text transformer
 * (random weights), for real-size timing.
 */
import { GraphBuilder, int64, randomFloats, type TowerShape } from './graph-builder.js';
import type { GraphSpec } from './onnx-writer.js';

export interface ClipShape {
  /** Length of the shared embedding (projection_dim). */
  projection: number;
  /** `vocab`: rows of the token embedding (at least the tokenizer's vocabulary); `maxLength`: positions. */
  text: TowerShape & { vocab: number; maxLength: number };
  vision: TowerShape & { imageSize: number; patch: number };
  /** BPE merges trained for the fixture tokenizer. */
  merges: number;
}

/** The committed fixture: ~100 KB, no encoder layers. */
export const TINY_CLIP: ClipShape = {
  projection: 32,
  text: { hidden: 32, layers: 0, heads: 1, mlp: 0, vocab: 0, maxLength: 77 },
  vision: { hidden: 32, layers: 0, heads: 1, mlp: 0, imageSize: 32, patch: 8 },
  merges: 480,
};

/** openai/clip-vit-base-patch16's shapes (its config.json), the default EMBEDDING_MODEL's architecture. */
export const CLIP_VIT_B16: ClipShape = {
  projection: 512,
  text: { hidden: 512, layers: 12, heads: 8, mlp: 2048, vocab: 49408, maxLength: 77 },
  vision: { hidden: 768, layers: 12, heads: 12, mlp: 3072, imageSize: 224, patch: 16 },
  merges: 480,
};

/** Masked mean over the sequence: Σ(h·mask) / Σ mask → [B, H]. */
function maskedMean(g: GraphBuilder, hidden: string, mask: string): string {
  const axisSeq = g.constant('axis_seq', [1], int64([1]));
  const axisLast = g.constant('axis_last', [1], int64([2]));
  const mask3d = g.op('Unsqueeze', [g.op('Cast', [mask], { to: 1 }, 'mask_f'), axisLast], undefined, 'mask_3d');
  const summed = g.op('ReduceSum', [g.op('Mul', [hidden, mask3d], undefined, 'masked'), axisSeq], { keepdims: 0 }, 'summed');
  const count = g.op('ReduceSum', [mask3d, axisSeq], { keepdims: 0 }, 'count');
  return g.op('Div', [summed, count], undefined, 'mean');
}

export function clipTextGraph(shape: ClipShape, vocabSize: number, rand: () => number): GraphSpec {
  const t = shape.text;
  const rows = Math.max(vocabSize, t.vocab);
  const g = new GraphBuilder(rand);
  let pooled: string;
  if (t.layers === 0) {
    // The tiny fixture's graph (kept byte-identical): initializers first, in this order.
    g.constant('token_embedding', [rows, t.hidden], randomFloats(rows * t.hidden, 1, rand));
    g.constant('text_projection', [t.hidden, shape.projection], randomFloats(t.hidden * shape.projection, 0.3, rand));
    g.op('Gather', ['token_embedding', 'input_ids'], { axis: 0 }, 'last_hidden_state');
    pooled = g.op('Tanh', [maskedMean(g, 'last_hidden_state', 'attention_mask')], undefined, 'pooled');
    g.op('MatMul', [pooled, 'text_projection'], undefined, 'text_embeds');
  } else {
    const x = g.encoder(g.embedTokens('input_ids', rows, t.maxLength, t.hidden, 'text'), t, 'text.encoder');
    const h = g.layerNorm(x, t.hidden, 'text.final_layer_norm', 'last_hidden_state');
    g.linear(maskedMean(g, h, 'attention_mask'), t.hidden, shape.projection, 'text_projection', false, 'text_embeds');
  }
  return {
    name: 'clip_tiny_text',
    inputs: [
      { name: 'input_ids', type: 'int64', shape: ['batch_size', 'sequence_length'] },
      { name: 'attention_mask', type: 'int64', shape: ['batch_size', 'sequence_length'] },
    ],
    outputs: [
      { name: 'text_embeds', type: 'float', shape: ['batch_size', shape.projection] },
      { name: 'last_hidden_state', type: 'float', shape: ['batch_size', 'sequence_length', t.hidden] },
    ],
    initializers: g.initializers,
    nodes: g.nodes,
  };
}

export function clipVisionGraph(shape: ClipShape, rand: () => number): GraphSpec {
  const v = shape.vision;
  const g = new GraphBuilder(rand);
  if (v.layers === 0) {
    const grid = v.imageSize / v.patch;
    const flat = v.hidden * grid * grid;
    g.constant('patch_weight', [v.hidden, 3, v.patch, v.patch], randomFloats(v.hidden * 3 * v.patch * v.patch, 0.1, rand));
    g.constant('patch_bias', [v.hidden], randomFloats(v.hidden, 0.1, rand));
    g.constant('visual_projection', [flat, shape.projection], randomFloats(flat * shape.projection, 0.1, rand));
    g.op('Conv', ['pixel_values', 'patch_weight', 'patch_bias'], { kernel_shape: [v.patch, v.patch], strides: [v.patch, v.patch] }, 'patches');
    g.op('Tanh', ['patches'], undefined, 'activated');
    g.op('Flatten', ['activated'], { axis: 1 }, 'flat');
    g.op('MatMul', ['flat', 'visual_projection'], undefined, 'image_embeds');
  } else {
    const tokens = g.layerNorm(g.embedPatches('pixel_values', v.imageSize, v.patch, v.hidden, 'vision'), v.hidden, 'vision.pre_layrnorm');
    const h = g.layerNorm(g.encoder(tokens, v, 'vision.encoder'), v.hidden, 'vision.post_layernorm');
    const pooled = g.op('ReduceMean', [h], { axes: [1], keepdims: 0 });
    g.linear(pooled, v.hidden, shape.projection, 'visual_projection', false, 'image_embeds');
  }
  return {
    name: 'clip_tiny_vision',
    inputs: [{ name: 'pixel_values', type: 'float', shape: ['batch_size', 3, v.imageSize, v.imageSize] }],
    outputs: [{ name: 'image_embeds', type: 'float', shape: ['batch_size', shape.projection] }],
    initializers: g.initializers,
    nodes: g.nodes,
  };
}
