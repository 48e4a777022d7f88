/**
 * Ingest benchmark: `npm run bench -- ingest-corpora [--model DIR] [--corpora articles,field]`
 *
 * For each corpus — the shipped articles (data/articles) and the field inputs
 * (test/fixtures/field: HTML, Markdown, PDF and image cases) — a fresh index is built with OCR
 * on and with OCR off (fresh OCR cache each time, so OCR really runs), then re-ingested
 * unchanged. Reported: wall time, documents/chunks/figures, figures/s, CPU utilisation
 * (process CPU seconds — tesseract's worker threads included — / (wall × cores)).
 * Then OCR alone on every distinct figure image of the corpora: time per figure with one
 * worker (sequential: the cost of one figure) and throughput of the default pool.
 * The embedding model is the tiny CLIP fixture unless `--model` names a local model directory
 * (its random weights make embedding cheap: the OCR share is what this bench isolates).
 * The last stdout line is one JSON object.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loadConfig } from '../src/config/env.js';
import { createLogger } from '../src/log.js';
import { createEmbedder } from '../src/rag/embed/embedder.js';
import { normaliseImage } from '../src/rag/image/normalise.js';
import { IndexStore } from '../src/rag/index/store.js';
import { ingest, type IngestSummary } from '../src/rag/ingest/ingest.js';
import { createOcr, defaultOcrWorkers } from '../src/rag/ocr/ocr.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const MODEL = path.resolve(arg('--model', 'test/fixtures/clip-tiny'));
const CORPORA: Record<string, string> = { articles: path.resolve('data/articles'), field: path.resolve('test/fixtures/field') };
const selected = arg('--corpora', 'articles,field').split(',').filter((c) => CORPORA[c]);
const cores = os.availableParallelism();
const logger = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-bench-ingest-'));
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;

interface RunResult {
  ms: number;
  cpuUtilisation: number;
  documents: number;
  chunks: number;
  figures: number;
  figuresPerSecond: number;
  ocrRead: number;
  ocrMs: number;
  reingestMs: number;
}

const embedder = await createEmbedder(MODEL);

async function measure(corpus: string, ocr: boolean): Promise<{ result: RunResult; dataDir: string }> {
  const dataDir = path.join(tmp, `${path.basename(corpus)}-${ocr ? 'ocr' : 'no-ocr'}`);
  const config = loadConfig({ DATA_DIR: dataDir, EMBEDDING_MODEL: MODEL, OCR_ENABLED: String(ocr), LOG_LEVEL: 'silent' });
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const summary: IngestSummary = await ingest([corpus], { config, logger }, { embedder });
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const t1 = performance.now();
  await ingest([corpus], { config, logger }, { embedder });
  const reingestMs = performance.now() - t1;
  const figures = summary.figures.added;
  return {
    dataDir,
    result: {
      ms: round(ms, 0),
      cpuUtilisation: round((cpu.user + cpu.system) / 1000 / (ms * cores)),
      documents: summary.documents.added,
      chunks: summary.chunks.added,
      figures,
      figuresPerSecond: round(figures / (ms / 1000)),
      ocrRead: summary.ocr.read,
      ocrMs: summary.ocr.ms,
      reingestMs: round(reingestMs, 0),
    },
  };
}

const results: Record<string, { ocrOn: RunResult; ocrOff: RunResult }> = {};
const images = new Map<string, Buffer>();
for (const name of selected) {
  const corpus = CORPORA[name]!;
  const on = await measure(corpus, true);
  const off = await measure(corpus, false);
  results[name] = { ocrOn: on.result, ocrOff: off.result };
  const store = (await IndexStore.open(on.dataDir))!;
  for (const f of await store.loadFigures()) images.set(f.imageHash, readFileSync(f.imagePath));
  await store.close();
  for (const [label, r] of [['OCR on ', on.result], ['OCR off', off.result]] as const) {
    console.log(
      `${name.padEnd(8)} ${label}: ${r.documents} docs, ${r.chunks} chunks, ${r.figures} figures in ${(r.ms / 1000).toFixed(2)} s ` +
        `(${r.figuresPerSecond} figures/s, CPU ${Math.round(r.cpuUtilisation * 100)}% of ${cores} cores; OCR read ${r.ocrRead}); unchanged re-ingest ${r.reingestMs} ms`,
    );
  }
}

/** OCR alone over every distinct figure image: sequential with one worker, then the default pool. */
async function ocrOnly(workers: number, parallel: boolean): Promise<{ perFigureMs: number[]; wallMs: number }> {
  const engine = createOcr({ langs: 'eng', workers });
  const normalised = await Promise.all([...images.values()].map((b) => normaliseImage(b)));
  await engine.recognize(normalised[0]!); // start the workers outside the timing
  const perFigureMs: number[] = [];
  const t0 = performance.now();
  // A fresh hash per run so that nothing comes from a cache (this engine has none anyway).
  const jobs = normalised.map((img, i) => () => engine.recognize({ bytes: img.bytes, hash: `${img.hash}-${i}` }).then((r) => perFigureMs.push(r.ms)));
  if (parallel) await Promise.all(jobs.map((j) => j()));
  else for (const j of jobs) await j();
  const wallMs = performance.now() - t0;
  await engine.close();
  return { perFigureMs, wallMs };
}

const sequential = await ocrOnly(1, false);
const pool = await ocrOnly(defaultOcrWorkers(), true);
const sorted = [...sequential.perFigureMs].sort((a, b) => a - b);
const ocr = {
  figures: images.size,
  perFigureMsMean: round(sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length), 0),
  perFigureMsP50: round(sorted[Math.floor(sorted.length / 2)] ?? 0, 0),
  perFigureMsMax: round(sorted.at(-1) ?? 0, 0),
  poolWorkers: defaultOcrWorkers(),
  poolFiguresPerSecond: round(images.size / (pool.wallMs / 1000)),
};
console.log(
  `OCR alone on ${ocr.figures} distinct figures: ${ocr.perFigureMsMean} ms/figure mean, ${ocr.perFigureMsP50} p50, ${ocr.perFigureMsMax} max (1 worker); ` +
    `${ocr.poolFiguresPerSecond} figures/s with ${ocr.poolWorkers} workers`,
);

await embedder.close();
rmSync(tmp, { recursive: true, force: true });
console.log(JSON.stringify({ bench: 'ingest-corpora', model: path.basename(MODEL), cores, corpora: results, ocr }));
