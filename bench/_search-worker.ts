/**
 * The worker side of bench/search.ts, in a fresh process so that its RSS is a worker's:
 * open the index, load the Searcher (on disk past the ANN threshold), then run the queries
 * through the whole hybrid search (vector + BM25 + fusion). The query vectors stand in for the
 * embedder's output (the model's cost is bench/model.ts's). Prints one JSON line.
 *
 *   node --import tsx bench/_search-worker.ts <dataDir> <queries.json>
 */
import { readFileSync } from 'node:fs';
import type { Embedder } from '../src/rag/embed/embedder.js';
import { IndexStore } from '../src/rag/index/store.js';
import { Searcher } from '../src/rag/search/searcher.js';
import { rssMb, stats } from './_lib.js';

const [dataDir, queriesFile] = process.argv.slice(2) as [string, string];
const queries = JSON.parse(readFileSync(queriesFile, 'utf8')) as Array<{ text: string; vector: number[] }>;
const rssBefore = rssMb();

let next: Float32Array = new Float32Array(0);

const t0 = performance.now();
const store = (await IndexStore.open(dataDir))!;
/** Hands the searcher the prepared query vector (no model in this process), as the model the index records. */
const model = store.info.model ?? 'bench';
const vectors = { modelId: model, identity: { id: model, dim: store.info.dim }, embedTexts: async (texts: string[]) => texts.map(() => next) } as unknown as Embedder;
const searcher = new Searcher(store, vectors);
await searcher.load();
const loadMs = performance.now() - t0;
const rssAfterLoad = rssMb();

const searchMs: number[] = [];
const parts: Record<string, number[]> = { load: [], vector: [], fulltext: [], rows: [] };
const annMs: number[] = [];
const annIds: string[][] = [];
for (const [i, q] of queries.entries()) {
  next = Float32Array.from(q.vector);
  const t = performance.now();
  const result = await searcher.search({ text: q.text });
  if (i > 0) {
    searchMs.push(performance.now() - t); // the first query opens the indexes
    for (const [k, v] of Object.entries(parts)) v.push(result.timings?.[k] ?? 0);
  }
  if (result.chunks.length === 0) throw new Error('no hits');
  if (result.level !== 3 || !result.chunks.some((c) => c.signals?.vector)) throw new Error('the search ran without its vector lists');
  const a = performance.now();
  annIds.push((await store.vectorSearch('chunks', 'vector', next, 10)).map((h) => h.id));
  if (i > 0) annMs.push(performance.now() - a);
}
const rssAfterQueries = rssMb();
await store.close();
console.log(
  JSON.stringify({
    where: searcher.where,
    loadMs: Math.round(loadMs),
    rssMb: { beforeOpen: rssBefore, afterLoad: rssAfterLoad, afterQueries: rssAfterQueries },
    searchMs: stats(searchMs),
    partsMs: Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, stats(v)])),
    vectorListMs: stats(annMs),
    annIds,
  }),
);
