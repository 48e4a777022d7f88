/**
 * Builds ONNX graphs (GraphSpec, see onnx-writer.ts) out of the blocks a ViT/CLIP/SigLIP
 * tower is made of: linear layers, LayerNorm, multi-head self-attention, MLP, pre-LN
 * transformer encoder layers. Weights are random (seeded), scaled by 1/√fan-in so that
 * activations stay in range at any width and depth.
 *
 * Used with `layers: 0` the towers of the tiny fixtures stay tiny; with real shapes (e.g.
 * CLIP ViT-B/16: 12 layers × 768 wide) the same code writes a real-size random-weight model
 * whose inference time and memory match the real one (they depend on shapes, not values).
 */
import type { NodeSpec, TensorInit, AttributeValue } from './onnx-writer.js';

/** mulberry32: a tiny seeded PRNG (uniform in [0, 1)), so regenerated files are byte-identical. */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** n floats uniform in [-scale, scale]. */
export function randomFloats(n: number, scale: number, rand: () => number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = (rand() * 2 - 1) * scale;
  return out;
}

export const int64 = (values: number[]) => BigInt64Array.from(values.map(BigInt));

/** One transformer tower's shape. `layers: 0` means no encoder layers at all. */
export interface TowerShape {
  hidden: number;
  layers: number;
  heads: number;
  /** Width of the MLP's hidden layer (4 × hidden in CLIP and SigLIP). */
  mlp: number;
}

export class GraphBuilder {
  readonly nodes: NodeSpec[] = [];
  readonly initializers: TensorInit[] = [];
  private counter = 0;

  constructor(private readonly rand: () => number) {}

  /** A fresh tensor name. */
  name(prefix: string): string {
    return `${prefix}_${this.counter++}`;
  }

  /** A constant initializer; returns its name. */
  constant(name: string, dims: number[], data: Float32Array | BigInt64Array): string {
    this.initializers.push({ name, dims, data });
    return name;
  }

  /** A random weight uniform in ±scale (default 1/√fan-in, fan-in = first dimension). */
  weight(name: string, dims: number[], scale = 1 / Math.sqrt(dims[0]!)): string {
    const size = dims.reduce((a, b) => a * b, 1);
    return this.constant(name, dims, randomFloats(size, scale, this.rand));
  }

  /** Add a node; its single output gets `output` or a fresh name, which is returned. */
  op(op: string, inputs: string[], attributes?: Record<string, AttributeValue>, output = this.name(op.toLowerCase())): string {
    this.nodes.push({ op, inputs, outputs: [output], ...(attributes ? { attributes } : {}) });
    return output;
  }

  /** x·W (+ b): [.., inDim] → [.., outDim]. */
  linear(x: string, inDim: number, outDim: number, prefix: string, bias = true, output?: string): string {
    const w = this.weight(`${prefix}.weight`, [inDim, outDim]);
    if (!bias) return this.op('MatMul', [x, w], undefined, output);
    const y = this.op('MatMul', [x, w]);
    const b = this.constant(`${prefix}.bias`, [outDim], new Float32Array(outDim));
    return this.op('Add', [y, b], undefined, output);
  }

  /** LayerNormalization over the last axis (opset 17), scale 1 and bias 0. */
  layerNorm(x: string, dim: number, prefix: string, output?: string): string {
    const scale = this.constant(`${prefix}.weight`, [dim], new Float32Array(dim).fill(1));
    const bias = this.constant(`${prefix}.bias`, [dim], new Float32Array(dim));
    return this.op('LayerNormalization', [x, scale, bias], { axis: -1, epsilon: { float: 1e-5 } }, output);
  }

  /** Multi-head self-attention over [B, T, H] (no mask). */
  attention(x: string, t: TowerShape, prefix: string): string {
    const headDim = t.hidden / t.heads;
    const split = this.constant(`${prefix}.split_shape`, [4], int64([0, 0, t.heads, headDim]));
    const merge = this.constant(`${prefix}.merge_shape`, [3], int64([0, 0, t.hidden]));
    const heads = (name: string, perm: number[]) =>
      this.op('Transpose', [this.op('Reshape', [this.linear(x, t.hidden, t.hidden, `${prefix}.${name}`), split])], { perm });
    const q = heads('q_proj', [0, 2, 1, 3]);
    const k = heads('k_proj', [0, 2, 3, 1]);
    const v = heads('v_proj', [0, 2, 1, 3]);
    const scale = this.constant(`${prefix}.scale`, [], new Float32Array([1 / Math.sqrt(headDim)]));
    const scores = this.op('Mul', [this.op('MatMul', [q, k]), scale]);
    const context = this.op('MatMul', [this.op('Softmax', [scores], { axis: -1 }), v]);
    const merged = this.op('Reshape', [this.op('Transpose', [context], { perm: [0, 2, 1, 3] }), merge]);
    return this.linear(merged, t.hidden, t.hidden, `${prefix}.out_proj`);
  }

  /** fc1 → QuickGELU (x·σ(1.702x), CLIP's activation) → fc2. */
  mlp(x: string, t: TowerShape, prefix: string): string {
    const h = this.linear(x, t.hidden, t.mlp, `${prefix}.fc1`);
    const k = this.constant(`${prefix}.gelu_k`, [], new Float32Array([1.702]));
    const act = this.op('Mul', [h, this.op('Sigmoid', [this.op('Mul', [h, k])])]);
    return this.linear(act, t.mlp, t.hidden, `${prefix}.fc2`);
  }

  /** Pre-LN encoder layers: x + attn(LN(x)), then x + mlp(LN(x)). */
  encoder(x: string, t: TowerShape, prefix: string): string {
    let h = x;
    for (let l = 0; l < t.layers; l++) {
      const p = `${prefix}.layers.${l}`;
      h = this.op('Add', [h, this.attention(this.layerNorm(h, t.hidden, `${p}.layer_norm1`), t, `${p}.self_attn`)]);
      h = this.op('Add', [h, this.mlp(this.layerNorm(h, t.hidden, `${p}.layer_norm2`), t, `${p}.mlp`)]);
    }
    return h;
  }

  /** Token embeddings plus learned position embeddings sliced to the input's length: [B, T] → [B, T, H]. */
  embedTokens(inputIds: string, vocab: number, maxLength: number, hidden: number, prefix: string): string {
    const tokens = this.op('Gather', [this.weight(`${prefix}.token_embedding`, [vocab, hidden], 1), inputIds], { axis: 0 });
    const positions = this.weight(`${prefix}.position_embedding`, [maxLength, hidden], 0.1);
    const shape = this.op('Shape', [inputIds]);
    const one = this.constant(`${prefix}.one`, [1], int64([1]));
    const two = this.constant(`${prefix}.two`, [1], int64([2]));
    const zero = this.constant(`${prefix}.zero`, [1], int64([0]));
    const length = this.op('Slice', [shape, one, two]);
    return this.op('Add', [tokens, this.op('Slice', [positions, zero, length, zero])]);
  }

  /** Patch embedding (a strided conv) plus position embeddings: [B, 3, S, S] → [B, N, H]. */
  embedPatches(pixels: string, imageSize: number, patch: number, hidden: number, prefix: string): string {
    const patches = (imageSize / patch) ** 2;
    const conv = this.op('Conv', [pixels, this.weight(`${prefix}.patch_embedding`, [hidden, 3, patch, patch], 1 / Math.sqrt(3 * patch * patch))], {
      kernel_shape: [patch, patch],
      strides: [patch, patch],
    });
    const flat = this.op('Reshape', [conv, this.constant(`${prefix}.flat_shape`, [3], int64([0, hidden, -1]))]);
    const tokens = this.op('Transpose', [flat], { perm: [0, 2, 1] });
    return this.op('Add', [tokens, this.weight(`${prefix}.position_embedding`, [patches, hidden], 0.1)]);
  }
}
