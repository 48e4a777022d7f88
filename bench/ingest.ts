/**
 * Ingest benchmark: `npm run bench -- ingest [--figures 200] [--per-document 4] [--model DIR] [--configs one-at-a-time,sequential,overlap,overlap-nospin]`
 *
 * A generated corpus (bench/_corpus.ts: Markdown notes with diagram figures that carry text,
 * ≥ 200 figures by default) is ingested with OCR on and the real-size model (CLIP ViT-B/16
 * shapes, random weights, built in a temporary directory; or `--model DIR`) several ways, each
 * into a fresh index and OCR cache:
 *   one-at-a-time — nothing overlapped: one document, one OCR worker, one onnxruntime thread
 *   sequential — one document at a time (concurrency 1), OCR pool and onnxruntime threads as shipped
 *   overlap    — several documents at once (ingest's default), default threads
 *   overlap-nospin — several at once, onnxruntime's idle threads sleep instead of spinning
 *   overlap-1t — several documents at once, one onnxruntime intra-op thread (OCR takes the other core)
 *   overlap-3  — three documents at once
 * Reported per run: wall time, figures/s, chunks/s, CPU utilisation = CPU seconds of the
 * process (user + sys: every thread — onnxruntime's, libvips', tesseract's worker threads; it
 * starts no child processes) / (wall seconds × cores), target ≥ 0.85; the speedup over
 * the first baseline run (one-at-a-time, else sequential); then an unchanged re-ingest (target: near-free). The last stdout line is one
 * JSON object.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CLIP_VIT_B16, generateClipFixture } from '../scripts/generate-clip-fixture.js';
import { loadConfig } from '../src/config/env.js';
import { createLogger } from '../src/log.js';
import { createEmbedder, type Embedder } from '../src/rag/embed/embedder.js';
import { ingest } from '../src/rag/ingest/ingest.js';
import { defaultIngestConcurrency } from '../src/rag/ingest/work-queue.js';
import { createOcr } from '../src/rag/ocr/ocr.js';
import { writeCorpus } from './_corpus.js';
import { printMachine, round, versus } from './_lib.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const FIGURES = Number(arg('--figures', '200'));
const PER_DOCUMENT = Number(arg('--per-document', '4'));
const CONFIGS = arg('--configs', 'one-at-a-time,sequential,overlap,overlap-nospin').split(',');
const cores = os.availableParallelism();
const logger = createLogger({ level: 'silent' });
const machineInfo = printMachine();
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-bench-ingest-'));

interface Config {
  concurrency: number;
  intraOp?: number;
  spinning?: boolean;
  /** OCR worker threads (default: the engine's, one per core). */
  ocrWorkers?: number;
}
const CONFIG: Record<string, Config> = {
  'one-at-a-time': { concurrency: 1, intraOp: 1, ocrWorkers: 1 },
  sequential: { concurrency: 1 },
  overlap: { concurrency: defaultIngestConcurrency(cores) },
  'overlap-1t': { concurrency: defaultIngestConcurrency(cores), intraOp: 1 },
  'overlap-3': { concurrency: 3 },
  'overlap-nospin': { concurrency: defaultIngestConcurrency(cores), spinning: false },
  'sequential-nospin': { concurrency: 1, spinning: false },
};

const report: Record<string, unknown> = { bench: 'ingest', machine: machineInfo };
const embedders = new Map<string, Embedder>();
try {
  let model = arg('--model', '');
  if (!model) {
    model = path.join(tmp, 'clip-vit-b16-random');
    generateClipFixture(model, CLIP_VIT_B16);
  }
  const corpus = path.join(tmp, 'corpus');
  const written = await writeCorpus(corpus, Math.ceil(FIGURES / PER_DOCUMENT), PER_DOCUMENT);
  console.log(`corpus: ${written.documents} Markdown documents, ${written.figures} figures with text (OCR on); model ${arg('--model', '') || 'CLIP ViT-B/16 shapes, random weights'}`);
  report.corpus = written;
  const runs: Record<string, unknown> = {};
  /** The first one-at-a-time or sequential run: what the speedups are over. */
  let baselineS: number | undefined;
  let baselineName = '';
  for (const name of CONFIGS) {
    const cfg = CONFIG[name];
    if (!cfg) throw new Error(`unknown config ${name} (${Object.keys(CONFIG).join(', ')})`);
    const key = `${cfg.intraOp ?? 'default'}/${cfg.spinning ?? true}`;
    if (!embedders.has(key)) embedders.set(key, await createEmbedder(model, { threads: { ...(cfg.intraOp ? { intraOp: cfg.intraOp } : {}), ...(cfg.spinning === false ? { spinning: false } : {}) } }));
    const embedder = embedders.get(key)!;
    const config = loadConfig({ DATA_DIR: path.join(tmp, `data-${name}`), EMBEDDING_MODEL: model, OCR_ENABLED: 'true', LOG_LEVEL: 'silent' });
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    const ocr = cfg.ocrWorkers ? createOcr({ langs: 'eng', workers: cfg.ocrWorkers, cacheDir: path.join(config.dataDir, 'cache', 'ocr') }) : undefined;
    const summary = await ingest([corpus], { config, logger }, { embedder, concurrency: cfg.concurrency, ...(ocr ? { ocr } : {}) });
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const utilisation = round((cpu.user + cpu.system) / 1e6 / (wallS * cores));
    const t1 = performance.now();
    const again = await ingest([corpus], { config, logger }, { embedder, concurrency: cfg.concurrency, ...(ocr ? { ocr } : {}) });
    await ocr?.close();
    const reingestMs = Math.round(performance.now() - t1);
    if (summary.documents.failed > 0 || again.documents.unchanged !== written.documents) throw new Error(`ingest did not index the corpus: ${JSON.stringify(summary.documents)}`);
    if (baselineS === undefined && (name === 'one-at-a-time' || name === 'sequential')) [baselineS, baselineName] = [wallS, name];
    const run = {
      concurrency: cfg.concurrency,
      intraOpThreads: cfg.intraOp ?? 'default',
      spinning: cfg.spinning ?? true,
      wallS: round(wallS, 1),
      figures: summary.figures.added,
      chunks: summary.chunks.added,
      figuresPerSecond: round(summary.figures.added / wallS),
      chunksPerSecond: round(summary.chunks.added / wallS),
      cpuUtilisation: utilisation,
      ocrRead: summary.ocr.read,
      speedup: baselineS ? round(baselineS / wallS) : null,
      unchangedReingestMs: reingestMs,
    };
    runs[name] = run;
    console.log(
      `${name.padEnd(11)} (${cfg.concurrency} at once, intra-op ${run.intraOpThreads}${run.spinning ? '' : ', no spinning'}): ${run.figures} figures, ${run.chunks} chunks in ${run.wallS} s — ` +
        `${run.figuresPerSecond} figures/s, ${run.chunksPerSecond} chunks/s; ${versus('CPU utilisation', utilisation, '', { atLeast: 0.85 })}` +
        `${run.speedup && name !== baselineName ? `; speedup ${run.speedup}× over ${baselineName}` : ''}; unchanged re-ingest ${reingestMs} ms`,
    );
  }
  report.runs = runs;
} finally {
  for (const e of embedders.values()) await e.close();
  rmSync(tmp, { recursive: true, force: true });
}
console.log(JSON.stringify(report));
