/**
 * The q8 variant the fixture generator writes (scripts/clip-fixture/quantize.ts): uint8
 * weights through DynamicQuantizeLinear + MatMulInteger, loaded by the real transformers.js
 * classes with `dtype: 'q8'` (the `_quantized` files), giving embeddings close to fp32's.
 */
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateClipFixture, type ClipShape } from '../../../scripts/generate-clip-fixture.js';
import { quantiseUint8 } from '../../../scripts/clip-fixture/quantize.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';

/** Two real encoder layers per tower (the committed tiny fixture has none), still small. */
const SMALL: ClipShape = {
  projection: 32,
  text: { hidden: 64, layers: 2, heads: 4, mlp: 256, vocab: 0, maxLength: 77 },
  vision: { hidden: 64, layers: 2, heads: 4, mlp: 256, imageSize: 32, patch: 8 },
  merges: 480,
};
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-q8-'));
const dir = path.join(tmp, 'clip-small');
const cosine = (a: Float32Array, b: Float32Array) => a.reduce((s, x, i) => s + x * b[i]!, 0);
const texts = ['the worker posts the answer in the thread', 'a chart of the queue', 'Slack app token'];
const images = ['architecture-diagram.png', 'answer-flow.png', 'retrieval-pipeline.png'].map((f) => readFileSync(path.join('data/articles/figures', f)));

let fp32: Embedder;
let q8: Embedder;
beforeAll(async () => {
  generateClipFixture(dir, SMALL, { q8: true });
  [fp32, q8] = await Promise.all([createEmbedder(dir), createEmbedder(dir, { dtype: 'q8' })]);
}, 60_000);
afterAll(async () => {
  await Promise.all([fp32?.close(), q8?.close()]);
  rmSync(tmp, { recursive: true, force: true });
});

describe('uint8 quantisation of a weight tensor', () => {
  it('maps 0 exactly to the zero point and every weight within half a step', () => {
    const w = Float32Array.from([-0.8, -0.1, 0, 0.05, 0.3, 1.2]);
    const { q, scale, zeroPoint } = quantiseUint8(w);
    expect(scale).toBeCloseTo(2 / 255, 9);
    expect(q[2]).toBe(zeroPoint);
    w.forEach((v, i) => expect(Math.abs((q[i]! - zeroPoint) * scale - v)).toBeLessThanOrEqual(scale / 2 + 1e-7));
    // All-positive weights still have 0 in range (zero point 0), as ONNX's formula requires.
    expect(quantiseUint8(Float32Array.from([0.5, 1])).zeroPoint).toBe(0);
  });
});

describe('the q8 model files', () => {
  it('hold integer matmuls and uint8 weights: a fraction of the fp32 size', () => {
    for (const tower of ['text_model', 'vision_model']) {
      const full = path.join(dir, 'onnx', `${tower}.onnx`);
      const quantised = path.join(dir, 'onnx', `${tower}_quantized.onnx`);
      expect(statSync(quantised).size).toBeLessThan(statSync(full).size * 0.45);
      const ops = readFileSync(quantised).toString('latin1');
      expect(ops).toContain('MatMulInteger');
      expect(ops).toContain('DynamicQuantizeLinear');
      expect(readFileSync(full).toString('latin1')).not.toContain('MatMulInteger');
    }
    expect(readFileSync(path.join(dir, 'onnx', 'text_model_quantized.onnx')).toString('latin1')).toContain('DequantizeLinear'); // token embeddings
  });

  it('load through transformers.js with dtype q8 and embed texts and images close to fp32, but not identically', async () => {
    expect(q8.dtype).toBe('q8');
    expect(q8.dim).toBe(SMALL.projection);
    const [a, b] = [await fp32.embedTexts(texts), await q8.embedTexts(texts)];
    const [c, d] = [await fp32.embedImages(images), await q8.embedImages(images)];
    for (const [x, y] of [...a.map((v, i) => [v, b[i]!]), ...c.map((v, i) => [v, d[i]!])] as Array<[Float32Array, Float32Array]>) {
      expect(cosine(y, y)).toBeCloseTo(1, 5);
      expect(cosine(x, y)).toBeGreaterThan(0.99);
      expect(Math.max(...x.map((v, i) => Math.abs(v - y[i]!)))).toBeGreaterThan(1e-6); // the quantised graph really ran
    }
    // Distinct inputs stay distinct.
    expect(cosine(b[0]!, b[1]!)).toBeLessThan(0.999);
  });
});
