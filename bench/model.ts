/**
 * Real-size model benchmark: `npm run bench -- model [--threads 0,1,2] [--queries 40] [--keep DIR]`
 *
 * Builds, in a temporary directory (never committed), a random-weight model with the exact
 * shapes of CLIP ViT-B/16 (scripts/generate-clip-fixture.ts --shape base; inference time and
 * memory depend on shapes, not weights) and its q8 variant (uint8 weights, dynamic
 * quantisation: scripts/clip-fixture/quantize.ts). For each dtype and onnxruntime intra-op
 * thread count ('0' = onnxruntime's default), a fresh process (bench/_model-worker.ts) reports:
 * load time; query (text) embedding p50/p99, one question at a time; image embedding
 * figures/s at batch 1, 4 and 8 (decode + preprocess + vision encoder, the shipped figures);
 * RSS with both encoders loaded and after the image batches.
 * The last stdout line is one JSON object.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLIP_VIT_B16, generateClipFixture } from '../scripts/generate-clip-fixture.js';
import { printMachine, round, runChild } from './_lib.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const THREADS = arg('--threads', '0,1').split(',').map(Number);
const QUERIES = arg('--queries', '40');
const keep = arg('--keep', '');

const machineInfo = printMachine();
const tmp = keep ? path.resolve(keep) : mkdtempSync(path.join(os.tmpdir(), 'mrag-bench-model-'));
const dir = path.join(tmp, 'clip-vit-b16-random');
const t0 = performance.now();
generateClipFixture(dir, CLIP_VIT_B16, { q8: true });
const generateS = round((performance.now() - t0) / 1000, 1);
const mb = (f: string) => round(statSync(path.join(dir, 'onnx', f)).size / 2 ** 20, 1);
const files = { fp32: { text: mb('text_model.onnx'), vision: mb('vision_model.onnx') }, q8: { text: mb('text_model_quantized.onnx'), vision: mb('vision_model_quantized.onnx') } };
console.log(`model: CLIP ViT-B/16 shapes, random weights, written in ${generateS} s; files (MB) fp32 ${JSON.stringify(files.fp32)}, q8 ${JSON.stringify(files.q8)}`);

interface WorkerResult {
  dtype: string;
  intraOpThreads: number | 'default';
  loadMs: number;
  queryMs: { p50: number; p99: number };
  images: Record<string, { figuresPerSecond: number; msPerBatch: number }>;
  rssMb: { beforeLoad: number; afterLoad: number; afterImages: number };
}
const runs: WorkerResult[] = [];
try {
  for (const dtype of ['fp32', 'q8']) {
    for (const threads of THREADS) {
      const r = await runChild<WorkerResult>('_model-worker.ts', [dir, dtype, String(threads), QUERIES]);
      runs.push(r);
      const img = Object.entries(r.images).map(([b, v]) => `${b.replace('batch', 'batch ')}: ${v.figuresPerSecond} figures/s`).join(', ');
      console.log(
        `${dtype.padEnd(4)} intra-op threads ${String(r.intraOpThreads).padEnd(7)}: load ${r.loadMs} ms; query embedding p50 ${r.queryMs.p50} ms, p99 ${r.queryMs.p99} ms; ${img}; ` +
          `worker RSS with both encoders ${r.rssMb.afterLoad} MB (${r.rssMb.afterImages} MB after batch 8)`,
      );
    }
  }
} finally {
  if (!keep) rmSync(tmp, { recursive: true, force: true });
}
console.log(JSON.stringify({ bench: 'model', machine: machineInfo, model: 'CLIP ViT-B/16 shapes, random weights', generateS, filesMb: files, runs }));
