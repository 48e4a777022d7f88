/**
 * Dynamic 8-bit quantisation of a graph's weights — what onnxruntime's Python
 * `quantize_dynamic` does for the `_quantized` files transformers.js loads with `dtype: 'q8'`,
 * reduced to the two cases our graphs have:
 *
 * - MatMul(x, W) with W a 2-D float initializer →
 *     DynamicQuantizeLinear(x) → (x_q, x_scale, x_zp)          activations: uint8, per call
 *     MatMulInteger(x_q, W_q, x_zp, W_zp) → int32                weights: uint8, per tensor
 *     Cast(float) · (x_scale · W_scale)
 *   (onnxruntime fuses this chain into its DynamicQuantizeMatMul kernel when it loads the graph).
 * - Gather(E, ids) with E a 2-D float initializer (token embeddings) → Gather(E_q, ids) →
 *   DequantizeLinear(·, E_scale, E_zp): 4× smaller, as in the published q8 exports.
 *
 * Weights are quantised asymmetrically per tensor to uint8: scale = (max − min) / 255 over a
 * range that includes 0, zero point = round(−min / scale) (ONNX QuantizeLinear's formula).
 * Activations' matmuls (attention scores, context) stay float, as in onnxruntime's.
 * Everything else (LayerNorm, Conv, biases) is left as it is.
 */
import type { GraphSpec, NodeSpec, TensorInit } from './onnx-writer.js';

interface Quantised {
  q: Uint8Array;
  scale: number;
  zeroPoint: number;
}

/** uint8 asymmetric per-tensor quantisation (ONNX QuantizeLinear: q = clamp(round(w / scale) + zp, 0, 255)). */
export function quantiseUint8(w: Float32Array): Quantised {
  let min = 0;
  let max = 0;
  for (const v of w) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const scale = max > min ? (max - min) / 255 : 1;
  const zeroPoint = Math.min(255, Math.max(0, Math.round(-min / scale)));
  const q = new Uint8Array(w.length);
  for (let i = 0; i < w.length; i++) q[i] = Math.min(255, Math.max(0, Math.round(w[i]! / scale) + zeroPoint));
  return { q, scale, zeroPoint };
}

/**
 * A copy of `graph` whose MatMul and Gather weights are uint8 (see the module comment). Needs
 * opset ≥ 11 (DynamicQuantizeLinear). The float initializers that were quantised are dropped.
 */
export function quantizeDynamic(graph: GraphSpec): GraphSpec {
  const initializers = new Map(graph.initializers.map((t) => [t.name, t]));
  const floatMatrix = (name: string | undefined) => {
    const t = name === undefined ? undefined : initializers.get(name);
    return t && t.data instanceof Float32Array && t.dims.length === 2 ? (t as TensorInit & { data: Float32Array }) : undefined;
  };
  const added: TensorInit[] = [];
  const replaced = new Set<string>();
  const quantisedWeights = new Map<string, { q: string; scale: string; zp: string }>();
  const weight = (t: TensorInit & { data: Float32Array }) => {
    let names = quantisedWeights.get(t.name);
    if (!names) {
      const { q, scale, zeroPoint } = quantiseUint8(t.data);
      names = { q: `${t.name}_quantized`, scale: `${t.name}_scale`, zp: `${t.name}_zero_point` };
      added.push({ name: names.q, dims: t.dims, data: q }, { name: names.scale, dims: [], data: Float32Array.of(scale) }, { name: names.zp, dims: [], data: Uint8Array.of(zeroPoint) });
      quantisedWeights.set(t.name, names);
      replaced.add(t.name);
    }
    return names;
  };

  const nodes: NodeSpec[] = [];
  for (const [i, node] of graph.nodes.entries()) {
    const [output] = node.outputs as [string];
    const w = node.op === 'MatMul' ? floatMatrix(node.inputs[1]) : node.op === 'Gather' && (node.attributes?.axis ?? 0) === 0 ? floatMatrix(node.inputs[0]) : undefined;
    if (!w) {
      nodes.push(node);
      continue;
    }
    const names = weight(w);
    const p = `q${i}`;
    if (node.op === 'Gather') {
      nodes.push({ op: 'Gather', inputs: [names.q, node.inputs[1]!], outputs: [`${p}_gathered`], attributes: { axis: 0 } });
      nodes.push({ op: 'DequantizeLinear', inputs: [`${p}_gathered`, names.scale, names.zp], outputs: [output] });
      continue;
    }
    const x = node.inputs[0]!;
    nodes.push({ op: 'DynamicQuantizeLinear', inputs: [x], outputs: [`${p}_x`, `${p}_x_scale`, `${p}_x_zp`] });
    nodes.push({ op: 'MatMulInteger', inputs: [`${p}_x`, names.q, `${p}_x_zp`, names.zp], outputs: [`${p}_int`] });
    nodes.push({ op: 'Cast', inputs: [`${p}_int`], outputs: [`${p}_float`], attributes: { to: 1 } });
    nodes.push({ op: 'Mul', inputs: [`${p}_x_scale`, names.scale], outputs: [`${p}_scale`] });
    nodes.push({ op: 'Mul', inputs: [`${p}_float`, `${p}_scale`], outputs: [output] });
  }
  // A quantised weight that another node still reads as float stays too.
  const read = new Set(nodes.flatMap((n) => n.inputs));
  return { ...graph, nodes, initializers: [...graph.initializers.filter((t) => !replaced.has(t.name) || read.has(t.name)), ...added] };
}
