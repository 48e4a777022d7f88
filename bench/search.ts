/**
 * Search benchmark: `npm run bench -- search [--sizes 10000,100000] [--queries 100] [--no-ann]`
 *
 * For each index size (synthetic 512-d unit vectors, clustered like real embeddings):
 *   naive   — a plain loop over a Float32Array + full sort (the baseline to beat)
 *   matrix  — our exact search (VectorMatrix: unrolled dot products + bounded top-k)
 *   lance   — LanceDB flat vector search on the same rows (what we would get without the matrix)
 *   lanceIvfPq — LanceDB IVF-PQ ANN index at two operating points (skip with --no-ann: ~1 min
 *               to build at 100k on 2 cores; 1M is not run by default: 2 GB of vectors, ~10 min build)
 * p50/p99 latency, ratio to naive, recall@10 against exact. Then ingest throughput with the
 * tiny fixture model (items/s). The last stdout line is one JSON object.
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import '../src/rag/index/lance-env.js';
import * as lancedb from '@lancedb/lancedb';
import { Field, FixedSizeList, Float32, Schema, Utf8 } from 'apache-arrow';
import sharp from 'sharp';
import { loadConfig } from '../src/config/env.js';
import { createLogger } from '../src/log.js';
import { createEmbedder } from '../src/rag/embed/embedder.js';
import { l2normalize } from '../src/rag/embed/vector.js';
import { ANN_NPROBES, ANN_REFINE_FACTOR } from '../src/rag/index/ann.js';
import { ingest } from '../src/rag/ingest/ingest.js';
import { VectorMatrix } from '../src/rag/search/vector-matrix.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const SIZES = arg('--sizes', '10000,100000').split(',').map(Number);
const QUERIES = Number(arg('--queries', '100'));
const ANN = !args.includes('--no-ann');
const DIM = 512;
const K = 10;

let seed = 42;
const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;

/**
 * Vectors around √n random centres (cosine to their centre ≈ 0.8): real embeddings are
 * clustered, which is what ANN indexes exploit. Pure noise would be their worst case.
 */
function synthetic(n: number): Float32Array {
  const centres = Array.from({ length: Math.max(64, Math.round(Math.sqrt(n))) }, () => l2normalize(Float32Array.from({ length: DIM }, rand)));
  const data = new Float32Array(n * DIM);
  for (let r = 0; r < n; r++) {
    const c = centres[r % centres.length]!;
    const v = data.subarray(r * DIM, (r + 1) * DIM);
    for (let i = 0; i < DIM; i++) v[i] = c[i]! + 0.06 * rand();
    l2normalize(v);
  }
  return data;
}

function naiveTopK(data: Float32Array, q: Float32Array, k: number): number[] {
  const n = data.length / DIM;
  const scores: Array<[number, number]> = [];
  for (let r = 0; r < n; r++) {
    let s = 0;
    for (let i = 0; i < DIM; i++) s += data[r * DIM + i]! * q[i]!;
    scores.push([r, s]);
  }
  scores.sort((a, b) => b[1] - a[1]);
  return scores.slice(0, k).map(([r]) => r);
}

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
};
const round = (x: number, d = 2) => Math.round(x * 10 ** d) / 10 ** d;

async function timeQueries(queries: Float32Array[], fn: (q: Float32Array) => Promise<number[]> | number[]) {
  const times: number[] = [];
  const results: number[][] = [];
  for (const q of queries) {
    const t = performance.now();
    results.push(await fn(q));
    times.push(performance.now() - t);
  }
  return { p50: round(percentile(times, 50)), p99: round(percentile(times, 99)), results };
}

const recall = (got: number[][], truth: number[][]) =>
  round(got.reduce((sum, g, i) => sum + g.filter((x) => truth[i]!.includes(x)).length / K, 0) / got.length, 3);

async function lanceTable(dir: string, data: Float32Array) {
  const db = await lancedb.connect(dir);
  const schema = new Schema([new Field('id', new Utf8(), false), new Field('vector', new FixedSizeList(DIM, new Field('item', new Float32(), true)), false)]);
  const table = await db.createEmptyTable('bench', schema, { mode: 'overwrite' });
  const n = data.length / DIM;
  for (let start = 0; start < n; start += 5000) {
    const rows = [];
    for (let r = start; r < Math.min(n, start + 5000); r++) rows.push({ id: String(r), vector: Array.from(data.subarray(r * DIM, (r + 1) * DIM)) });
    await table.add(rows);
  }
  return table;
}

const lanceSearch = (table: lancedb.Table) => async (q: Float32Array) =>
  (await table.vectorSearch(Array.from(q)).distanceType('dot').limit(K).select(['id']).toArray()).map((r) => Number(r.id));

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-bench-'));
const report: Record<string, unknown> = { dim: DIM, k: K, queries: QUERIES, cores: os.cpus().length };
try {
  for (const n of SIZES) {
    const t0 = performance.now();
    const data = synthetic(n);
    // Queries near stored rows, like real questions near their answers.
    const queries = Array.from({ length: QUERIES }, () => {
      const r = Math.floor(Math.abs(rand()) * (n - 1));
      return l2normalize(Float32Array.from({ length: DIM }, (_, i) => data[r * DIM + i]! + 0.03 * rand()));
    });
    const naive = await timeQueries(queries, (q) => naiveTopK(data, q, K));
    const matrix = new VectorMatrix(DIM, data);
    const exact = await timeQueries(queries, (q) => matrix.topK(q, K).map((h) => h.index));
    const buildStart = performance.now();
    const table = await lanceTable(path.join(tmp, `lance-${n}`), data);
    const lanceBuildS = round((performance.now() - buildStart) / 1000, 1);
    const lance = await timeQueries(queries.slice(0, Math.min(QUERIES, 50)), lanceSearch(table));
    const entry: Record<string, unknown> = {
      naive: { p50: naive.p50, p99: naive.p99 },
      matrix: { p50: exact.p50, p99: exact.p99, speedupVsNaive: round(naive.p50 / exact.p50), recallAt10: recall(exact.results, naive.results) },
      lanceFlat: { p50: lance.p50, p99: lance.p99, ratioToNaive: round(lance.p50 / naive.p50), recallAt10: recall(lance.results, naive.results.slice(0, lance.results.length)), loadS: lanceBuildS },
    };
    if (ANN) {
      const t = performance.now();
      await table.createIndex('vector', { config: lancedb.Index.ivfPq({ numPartitions: Math.max(16, Math.round(Math.sqrt(n))), numSubVectors: 32, distanceType: 'dot' }) });
      const buildS = round((performance.now() - t) / 1000, 1);
      // Two operating points on the same index: the defaults most examples use, and the one
      // the searcher uses (more partitions probed, PQ candidates re-ranked exactly).
      for (const [name, nprobes, refine] of [['lanceIvfPqFast', 20, 5], ['lanceIvfPq', ANN_NPROBES, ANN_REFINE_FACTOR]] as const) {
        const ann = await timeQueries(queries.slice(0, 50), async (q) =>
          (await table.vectorSearch(Array.from(q)).distanceType('dot').nprobes(nprobes).refineFactor(refine).limit(K).select(['id']).toArray()).map((r) => Number(r.id)),
        );
        entry[name] = { nprobes, refineFactor: refine, p50: ann.p50, p99: ann.p99, ratioToNaive: round(ann.p50 / naive.p50), recallAt10: recall(ann.results, naive.results.slice(0, ann.results.length)), buildS };
      }
    }
    table.close();
    entry.totalS = round((performance.now() - t0) / 1000, 1);
    report[`n${n}`] = entry;
    console.log(`n=${n}`, JSON.stringify(entry));
  }

  // Ingest throughput with the tiny fixture model: 60 Markdown articles with 2 figures each.
  const docs = path.join(tmp, 'docs');
  mkdirSync(path.join(docs, 'img'), { recursive: true });
  for (let i = 0; i < 20; i++) {
    const png = await sharp({ create: { width: 64, height: 48, channels: 3, background: { r: (i * 37) % 255, g: (i * 91) % 255, b: 120 } } }).png().toBuffer();
    writeFileSync(path.join(docs, 'img', `fig-${i}.png`), png);
  }
  const para = 'The worker embeds the question with CLIP, searches the index of text chunks and figures, and asks the vision model to answer from them. ';
  for (let d = 0; d < 60; d++) {
    const body = Array.from({ length: 6 }, (_, s) => `## Section ${s}\n\n${para.repeat(1 + (s % 3))}Document ${d} section ${s}.\n`).join('\n');
    writeFileSync(path.join(docs, `doc-${d}.md`), `# Doc ${d}\n\n${body}\n![Figure a of ${d}](img/fig-${d % 20}.png)\n\n![Figure b of ${d}](img/fig-${(d + 7) % 20}.png)\n`);
  }
  const config = loadConfig({ DATA_DIR: path.join(tmp, 'data'), EMBEDDING_MODEL: 'test/fixtures/clip-tiny' });
  const embedder = await createEmbedder(config.embedding.model);
  const summary = await ingest([docs], { config, logger: createLogger({ level: 'silent' }) }, { embedder });
  const rerun = await ingest([docs], { config, logger: createLogger({ level: 'silent' }) }, { embedder });
  await embedder.close();
  const items = summary.chunks.added + summary.figures.added;
  report.ingest = {
    documents: summary.documents.added,
    chunks: summary.chunks.added,
    figures: summary.figures.added,
    seconds: round(summary.ms / 1000),
    itemsPerSecond: round(items / (summary.ms / 1000), 1),
    unchangedRerunSeconds: round(rerun.ms / 1000),
  };
  console.log('ingest', JSON.stringify(report.ingest));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(JSON.stringify(report));
