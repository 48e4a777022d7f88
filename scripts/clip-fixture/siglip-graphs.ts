/**
 * The two ONNX graphs of a SigLIP-shaped model, as transformers.js's SiglipTextModel /
 * SiglipVisionModel load them (the layout of the Xenova/siglip-* exports):
 *
 * - text_model.onnx: input_ids [B, T] (no attention mask: SigLIP pads every text to the
 *   full length and pools the last position) → last_hidden_state, pooler_output [B, H]
 * - vision_model.onnx: pixel_values [B, 3, S, S] → last_hidden_state, pooler_output [B, H]
 *
 * Both towers are pre-LN transformers (`layers` ≥ 1) with a linear head; the vision tower
 * pools by the mean over patches (the real one uses an attention-pooling head, which costs
 * about one more attention layer).
 */
import { GraphBuilder, int64, type TowerShape } from './graph-builder.js';
import type { GraphSpec } from './onnx-writer.js';

export interface SiglipShape {
  /** SigLIP's embedding length is the towers' width (no separate projection). */
  text: TowerShape & { vocab: number; maxLength: number };
  vision: TowerShape & { imageSize: number; patch: number };
}

/** The committed fixture: one layer per tower, 32 wide. */
export const TINY_SIGLIP: SiglipShape = {
  text: { hidden: 32, layers: 1, heads: 2, mlp: 64, vocab: 0, maxLength: 64 },
  vision: { hidden: 32, layers: 1, heads: 2, mlp: 64, imageSize: 32, patch: 8 },
};

/** google/siglip-base-patch16-224's shapes (its config.json). */
export const SIGLIP_BASE_PATCH16_224: SiglipShape = {
  text: { hidden: 768, layers: 12, heads: 12, mlp: 3072, vocab: 32000, maxLength: 64 },
  vision: { hidden: 768, layers: 12, heads: 12, mlp: 3072, imageSize: 224, patch: 16 },
};

export function siglipTextGraph(shape: SiglipShape, vocabSize: number, rand: () => number): GraphSpec {
  const t = shape.text;
  const rows = Math.max(vocabSize, t.vocab);
  const g = new GraphBuilder(rand);
  const x = g.encoder(g.embedTokens('input_ids', rows, t.maxLength, t.hidden, 'text'), t, 'text.encoder');
  const h = g.layerNorm(x, t.hidden, 'text.final_layer_norm', 'last_hidden_state');
  const last = g.op('Gather', [h, g.constant('text.last_position', [], int64([-1]))], { axis: 1 });
  g.linear(last, t.hidden, t.hidden, 'text.head', true, 'pooler_output');
  return {
    name: 'siglip_tiny_text',
    inputs: [{ name: 'input_ids', type: 'int64', shape: ['batch_size', 'sequence_length'] }],
    outputs: [
      { name: 'last_hidden_state', type: 'float', shape: ['batch_size', 'sequence_length', t.hidden] },
      { name: 'pooler_output', type: 'float', shape: ['batch_size', t.hidden] },
    ],
    initializers: g.initializers,
    nodes: g.nodes,
  };
}

export function siglipVisionGraph(shape: SiglipShape, rand: () => number): GraphSpec {
  const v = shape.vision;
  const g = new GraphBuilder(rand);
  const x = g.encoder(g.embedPatches('pixel_values', v.imageSize, v.patch, v.hidden, 'vision'), v, 'vision.encoder');
  const h = g.layerNorm(x, v.hidden, 'vision.post_layernorm', 'last_hidden_state');
  const pooled = g.op('ReduceMean', [h], { axes: [1], keepdims: 0 });
  g.linear(pooled, v.hidden, v.hidden, 'vision.head', true, 'pooler_output');
  const patches = (v.imageSize / v.patch) ** 2;
  return {
    name: 'siglip_tiny_vision',
    inputs: [{ name: 'pixel_values', type: 'float', shape: ['batch_size', 3, v.imageSize, v.imageSize] }],
    outputs: [
      { name: 'last_hidden_state', type: 'float', shape: ['batch_size', patches, v.hidden] },
      { name: 'pooler_output', type: 'float', shape: ['batch_size', v.hidden] },
    ],
    initializers: g.initializers,
    nodes: g.nodes,
  };
}
