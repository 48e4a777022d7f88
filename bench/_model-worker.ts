/**
 * The measuring side of bench/model.ts, in a fresh process so that its RSS is a worker's:
 * load the model (both encoders), embed queries one at a time, then images at several batch
 * sizes. Prints one JSON line.
 *
 *   node --import tsx bench/_model-worker.ts <modelDir> <fp32|q8> <intraOpThreads|0> [queries]
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { createEmbedder } from '../src/rag/embed/embedder.js';
import type { EmbeddingDtype } from '../src/rag/embed/model-files.js';
import { round, rssMb, stats } from './_lib.js';

const [dir, dtype, threadsArg, queriesArg] = process.argv.slice(2) as [string, EmbeddingDtype, string, string | undefined];
const intraOp = Number(threadsArg);
const QUERIES = Number(queriesArg ?? 40);
const BATCHES = [1, 4, 8];
const FIGURES_PER_BATCH_SIZE = 16;

const rssBefore = rssMb();
const t0 = performance.now();
const embedder = await createEmbedder(dir, { dtype, imageBatchSize: 8, ...(intraOp > 0 ? { threads: { intraOp } } : {}) });
const loadMs = performance.now() - t0;
const rssAfterLoad = rssMb();

// Questions as users type them: 8–20 words.
const words = 'how does the worker post the answer with figures from the index back into the slack thread when ollama is slow'.split(' ');
const questions = Array.from({ length: QUERIES + 3 }, (_, i) => words.slice(i % 5, (i % 5) + 8 + (i % 13)).join(' ') + '?');
const queryMs: number[] = [];
for (const [i, q] of questions.entries()) {
  const t = performance.now();
  await embedder.embedTexts([q]);
  if (i >= 3) queryMs.push(performance.now() - t); // the first calls warm the session up
}

const figuresDir = path.resolve('data/articles/figures');
const images = readdirSync(figuresDir).filter((f) => f.endsWith('.png')).map((f) => readFileSync(path.join(figuresDir, f)));
const pick = (n: number, offset: number) => Array.from({ length: n }, (_, i) => images[(offset + i) % images.length]!);
await embedder.embedImages(pick(2, 0)); // warm-up
const imageRuns: Record<string, { figuresPerSecond: number; msPerBatch: number }> = {};
for (const batch of BATCHES) {
  const rounds = Math.max(1, FIGURES_PER_BATCH_SIZE / batch);
  const t = performance.now();
  for (let r = 0; r < rounds; r++) await embedder.embedImages(pick(batch, r));
  const ms = performance.now() - t;
  imageRuns[`batch${batch}`] = { figuresPerSecond: round((rounds * batch) / (ms / 1000)), msPerBatch: round(ms / rounds, 1) };
}
const rssAfterImages = rssMb();
await embedder.close();
console.log(JSON.stringify({ dtype, intraOpThreads: intraOp || 'default', loadMs: Math.round(loadMs), queryMs: stats(queryMs), images: imageRuns, rssMb: { beforeLoad: rssBefore, afterLoad: rssAfterLoad, afterImages: rssAfterImages } }));
