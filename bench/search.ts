/**
 * Search benchmark: `npm run bench -- search [--sizes 100000,1000000] [--queries 100]`
 *
 * For each size, a real index (IndexStore: chunks with text and 512-d vectors, clustered like
 * real embeddings) is written and committed — BM25 index, and past ANN_MIN_ROWS the
 * IVF_HNSW_SQ index — then a fresh worker process (bench/_search-worker.ts) opens it the way
 * a worker does and runs the queries through the whole hybrid search. Reported per size:
 *   - indexBuildS: the commit (BM25 + ANN index build); writeS: writing the rows
 *   - worker RSS after load (target at 1M: < 1.5 GB) and after the queries
 *   - hybrid search p50/p99 (vector + BM25 + fusion; targets: 100k p50 < 10 ms, 1M < 50 ms)
 *   - recall@10 of the vector list against exact search (target ≥ 0.95)
 *   - the exact in-memory matrix (VectorMatrix, what runs below the threshold) on the same vectors
 * 1M rows take many minutes (write + index build) and ~6 GB in this process; never in CI.
 * The last stdout line is one JSON object.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { l2normalize } from '../src/rag/embed/vector.js';
import { ANN_MIN_ROWS } from '../src/rag/index/ann.js';
import { IndexStore, type ChunkRow } from '../src/rag/index/store.js';
import { VectorMatrix } from '../src/rag/search/vector-matrix.js';
import { printMachine, round, runChild, stats, versus } from './_lib.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const SIZES = arg('--sizes', '100000').split(',').map(Number);
const QUERIES = Number(arg('--queries', '100'));
const DIM = 512;
const K = 10;
const ROWS_PER_DOCUMENT = 5000;
const TARGETS: Record<number, { p50Ms: number; rssMb?: number }> = { 100_000: { p50Ms: 10 }, 1_000_000: { p50Ms: 50, rssMb: 1536 } };

let seed = 42;
const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
/**
 * Chunk text: 40 words drawn from a 20,000-word vocabulary with a Zipf-like law (a few words
 * in most rows, most words rare), like prose: BM25's cost depends on how common query words are.
 */
const VOCABULARY = 20_000;
function sentence(r: number): string {
  let h = (r * 2654435761) >>> 0;
  const words: string[] = [];
  for (let i = 0; i < 40; i++) {
    h = Math.imul(h ^ (h >>> 15), 2246822519) >>> 0;
    h = (h + 0x9e3779b9) >>> 0;
    words.push(`w${Math.floor(Math.exp((h / 2 ** 32) * Math.log(VOCABULARY)))}`);
  }
  return words.join(' ');
}

/** Vectors around √n random centres (cosine to their centre ≈ 0.8): real embeddings are clustered. */
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

async function writeIndex(dataDir: string, data: Float32Array, n: number) {
  const store = await IndexStore.create(dataDir, { id: 'bench/random-512', dim: DIM });
  const t0 = performance.now();
  for (let start = 0, d = 0; start < n; start += ROWS_PER_DOCUMENT, d++) {
    const docId = `doc${d}`;
    const chunks: ChunkRow[] = [];
    for (let r = start; r < Math.min(n, start + ROWS_PER_DOCUMENT); r++) {
      chunks.push({ id: `${docId}#c${r - start}`, docId, rev: 'r1', source: `bench/${docId}.md`, title: `Document ${d}`, section: `Section ${r % 50}`, text: sentence(r), context: sentence(r), page: undefined, vector: data.subarray(r * DIM, (r + 1) * DIM) });
    }
    await store.replaceDocument({ docId, source: `bench/${docId}.md`, kind: 'markdown', title: `Document ${d}`, hash: 'r1', chunks: chunks.length, figures: 0, ingestedAt: new Date().toISOString() }, chunks, []);
  }
  const writeS = (performance.now() - t0) / 1000;
  const t1 = performance.now();
  await store.commit();
  const indexBuildS = (performance.now() - t1) / 1000;
  await store.close();
  return { writeS: round(writeS, 1), indexBuildS: round(indexBuildS, 1) };
}

const machineInfo = printMachine();
console.log(`ANN threshold (ANN_MIN_ROWS): ${ANN_MIN_ROWS} rows; sizes ${SIZES.join(', ')}; ${QUERIES} queries each`);
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-bench-search-'));
const report: Record<string, unknown> = { bench: 'search', machine: machineInfo, dim: DIM, k: K, queries: QUERIES, annMinRows: ANN_MIN_ROWS };
try {
  for (const n of SIZES) {
    const data = synthetic(n);
    // Queries near stored rows (as real questions near their answers), with some of their words.
    const queries = Array.from({ length: QUERIES }, () => {
      const r = Math.floor(Math.abs(rand()) * (n - 1));
      const vector = l2normalize(Float32Array.from({ length: DIM }, (_, i) => data[r * DIM + i]! + 0.03 * rand()));
      return { text: sentence(r).split(' ').slice(2, 8).join(' '), vector };
    });
    const matrix = new VectorMatrix(DIM, data);
    const exactMs: number[] = [];
    const truth = queries.map((q) => {
      const t = performance.now();
      const hits = matrix.topK(q.vector, K);
      exactMs.push(performance.now() - t);
      return hits.map((h) => h.index);
    });
    const dataDir = path.join(tmp, `n${n}`);
    const built = await writeIndex(dataDir, data, n);
    const queriesFile = path.join(tmp, `queries-${n}.json`);
    writeFileSync(queriesFile, JSON.stringify(queries.map((q) => ({ text: q.text, vector: Array.from(q.vector) }))));
    const worker = await runChild<{ where: unknown; loadMs: number; rssMb: Record<string, number>; searchMs: { p50: number; p99: number }; partsMs: Record<string, { p50: number }>; vectorListMs: { p50: number; p99: number }; annIds: string[][] }>('_search-worker.ts', [dataDir, queriesFile]);
    const rowOf = (id: string) => Number(id.slice(3, id.indexOf('#'))) * ROWS_PER_DOCUMENT + Number(id.slice(id.indexOf('#c') + 2));
    const recall = round(worker.annIds.reduce((s, ids, i) => s + ids.filter((id) => truth[i]!.includes(rowOf(id))).length / K, 0) / worker.annIds.length, 3);
    const entry = {
      rows: n,
      where: worker.where,
      ...built,
      workerLoadMs: worker.loadMs,
      workerRssMb: worker.rssMb,
      hybridSearchMs: worker.searchMs,
      hybridPartsMs: worker.partsMs,
      vectorListMs: worker.vectorListMs,
      recallAt10: recall,
      exactInMemoryMs: stats(exactMs),
      targets: TARGETS[n] ?? null,
    };
    report[`n${n}`] = entry;
    const target = TARGETS[n];
    console.log(`n=${n} (${JSON.stringify(worker.where)}): write ${built.writeS} s, commit (BM25 + ANN index build) ${built.indexBuildS} s`);
    console.log(`  ${target ? versus('hybrid search p50', worker.searchMs.p50, ' ms', { below: target.p50Ms }) : `hybrid search p50 ${worker.searchMs.p50} ms`}, p99 ${worker.searchMs.p99} ms; vector list alone p50 ${worker.vectorListMs.p50} ms; within the search (overlapping): vector lists p50 ${worker.partsMs.vector?.p50} ms, BM25 p50 ${worker.partsMs.fulltext?.p50} ms, then the hits' rows ${worker.partsMs.rows?.p50} ms; reload check ${worker.partsMs.load?.p50} ms`);
    console.log(`  ${versus('recall@10 vs exact', recall, '', { atLeast: 0.95 })}`);
    console.log(`  ${target?.rssMb ? versus('worker RSS after load', worker.rssMb.afterLoad!, ' MB', { below: target.rssMb }) : `worker RSS after load ${worker.rssMb.afterLoad} MB`}, after the queries ${worker.rssMb.afterQueries} MB`);
    console.log(`  exact in-memory matrix on the same vectors (one list): p50 ${entry.exactInMemoryMs.p50} ms, p99 ${entry.exactInMemoryMs.p99} ms`);
    rmSync(dataDir, { recursive: true, force: true });
  }
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
console.log(JSON.stringify(report));
