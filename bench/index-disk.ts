/**
 * Index disk use under many small ingests: `npm run bench -- index-disk [--docs 400] [--model DIR]`
 *
 * Issue 13 saw 404 small documents ingested one at a time leave 2,429 table versions and 69 MB
 * for ~0.5 MB of data. Here N small Markdown documents (about 1 KB each) are ingested one
 * `ingest()` call each (one commit each), into fresh indexes:
 *
 * - `keepAll`: the grace period set to a year: every commit still compacts, but no old
 *   version is ever deleted — the version count and size an index without cleanup reaches;
 * - `grace0`: no grace period: each commit deletes every version older than the generation
 *   before it (the steady state when ingests are further apart than the grace period);
 * - `default`: the default grace period (INDEX_VERSION_GRACE_MS, 5 min): right after the
 *   loop (all runs within the grace period, so their versions are kept for readers), then
 *   after one more ingest once the grace period has passed (simulated: graceMs 0).
 *
 * Compared with the same documents ingested in one run, and the documents' own size.
 * Reported per scenario: table versions (chunks + figures + documents), files and MB under
 * index/lance, and the p50/p95 time of one ingest. Retrieval level 2 (no vectors) unless
 * `--model` names a local model directory. The last stdout line is one JSON object.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import '../src/rag/index/lance-env.js';
import * as lancedb from '@lancedb/lancedb';
import { loadConfig } from '../src/config/env.js';
import { createLogger } from '../src/log.js';
import { createEmbedder, type Embedder } from '../src/rag/embed/embedder.js';
import { INDEX_VERSION_GRACE_MS } from '../src/rag/index/store.js';
import { ingest } from '../src/rag/ingest/ingest.js';

const args = process.argv.slice(2);
const arg = (name: string, fallback?: string) => {
  const i = args.indexOf(name);
  return i >= 0 && args[i + 1] ? args[i + 1]! : fallback;
};
const DOCS = Number(arg('--docs', '400'));
const MODEL = arg('--model');
const logger = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-bench-index-disk-'));
const MB = 1024 * 1024;
const round = (n: number, digits = 2) => Math.round(n * 10 ** digits) / 10 ** digits;
const YEAR_MS = 365 * 24 * 3600 * 1000;

const TOPICS = ['queue', 'worker', 'figure', 'index', 'retrieval', 'Slack', 'Discord', 'Ollama', 'Redis', 'embedding'];
function writeDocs(dir: string): { files: string[]; bytes: number } {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  let bytes = 0;
  for (let i = 0; i < DOCS; i++) {
    const t = (k: number) => TOPICS[(i * 7 + k) % TOPICS.length];
    const body = Array.from({ length: 4 }, (_, p) => `Paragraph ${p} of note ${i}: how the ${t(p)} talks to the ${t(p + 3)}, what to check when the ${t(p + 5)} is slow, and which setting of the ${t(p + 1)} to change.`).join('\n\n');
    const text = `# Note ${i}\n\n## About ${t(0)}\n\n${body}\n`;
    const file = path.join(dir, `note-${String(i).padStart(4, '0')}.md`);
    writeFileSync(file, text);
    files.push(file);
    bytes += Buffer.byteLength(text);
  }
  return { files, bytes };
}

function walk(dir: string): { files: number; bytes: number } {
  let files = 0;
  let bytes = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, e.name);
    if (e.isDirectory()) {
      const sub = walk(full);
      files += sub.files;
      bytes += sub.bytes;
    } else {
      files++;
      bytes += statSync(full).size;
    }
  }
  return { files, bytes };
}

async function measureIndex(dataDir: string) {
  const lance = path.join(dataDir, 'index', 'lance');
  const db = await lancedb.connect(lance);
  let versions = 0;
  for (const name of ['chunks', 'figures', 'documents']) {
    const table = await db.openTable(name);
    versions += (await table.listVersions()).length;
    table.close();
  }
  const disk = walk(lance);
  return { versions, files: disk.files, mb: round(disk.bytes / MB) };
}

const percentile = (values: number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};

const embedder: Embedder | undefined = MODEL ? await createEmbedder(path.resolve(MODEL)) : undefined;
const env = (dataDir: string) => ({ DATA_DIR: dataDir, OCR_ENABLED: 'false', REDIS_URL: 'redis://127.0.0.1:1', ...(MODEL ? { EMBEDDING_MODEL: path.resolve(MODEL) } : { RETRIEVAL_LEVEL: '2' }) });

async function oneAtATime(label: string, files: string[], graceMs: number) {
  const dataDir = path.join(tmp, label);
  const config = loadConfig(env(dataDir));
  const times: number[] = [];
  for (const [i, file] of files.entries()) {
    const t0 = performance.now();
    await ingest([file], { config, logger }, { embedder, graceMs });
    times.push(performance.now() - t0);
    if ((i + 1) % 100 === 0) console.log(`  ${label}: ${i + 1}/${files.length} ingested`);
  }
  return { dataDir, config, after: await measureIndex(dataDir), ingestMs: { p50: round(percentile(times, 50), 1), p95: round(percentile(times, 95), 1) } };
}

try {
  const docs = writeDocs(path.join(tmp, 'docs'));
  console.log(`${DOCS} documents, ${round(docs.bytes / MB, 3)} MB of Markdown; level ${MODEL ? `3 (${MODEL})` : 2}`);

  const single = path.join(tmp, 'all-at-once');
  await ingest([path.join(tmp, 'docs')], { config: loadConfig(env(single)), logger }, { embedder });
  const allAtOnce = await measureIndex(single);
  console.log(`all at once: ${allAtOnce.versions} versions, ${allAtOnce.files} files, ${allAtOnce.mb} MB`);

  const keepAll = await oneAtATime('keep-all', docs.files, YEAR_MS);
  console.log(`one at a time, no version deleted: ${keepAll.after.versions} versions, ${keepAll.after.files} files, ${keepAll.after.mb} MB (ingest p50 ${keepAll.ingestMs.p50} ms)`);
  rmSync(keepAll.dataDir, { recursive: true, force: true });

  const grace0 = await oneAtATime('grace-0', docs.files, 0);
  console.log(`one at a time, graceMs 0: ${grace0.after.versions} versions, ${grace0.after.files} files, ${grace0.after.mb} MB (ingest p50 ${grace0.ingestMs.p50} ms)`);
  rmSync(grace0.dataDir, { recursive: true, force: true });

  const byDefault = await oneAtATime('default-grace', docs.files, INDEX_VERSION_GRACE_MS);
  console.log(`one at a time, default grace (${INDEX_VERSION_GRACE_MS / 60_000} min), right after: ${byDefault.after.versions} versions, ${byDefault.after.mb} MB`);
  // The next ingest once the grace period has passed (simulated with graceMs 0).
  writeFileSync(path.join(tmp, 'docs', 'later.md'), '# Later\n\nOne more note, ingested after the grace period.\n');
  await ingest([path.join(tmp, 'docs', 'later.md')], { config: byDefault.config, logger }, { embedder, graceMs: 0 });
  const afterGrace = await measureIndex(byDefault.dataDir);
  console.log(`  and after the next ingest past the grace period: ${afterGrace.versions} versions, ${afterGrace.mb} MB`);

  console.log(
    JSON.stringify({
      bench: 'index-disk',
      documents: DOCS,
      level: MODEL ? 3 : 2,
      dataMb: round(docs.bytes / MB, 3),
      allAtOnce,
      oneAtATime: {
        keepAll: { ...keepAll.after, ingestMs: keepAll.ingestMs },
        grace0: { ...grace0.after, ingestMs: grace0.ingestMs },
        defaultGrace: { rightAfter: byDefault.after, afterGracePeriod: afterGrace, ingestMs: byDefault.ingestMs },
      },
    }),
  );
} finally {
  await embedder?.close();
  rmSync(tmp, { recursive: true, force: true });
}
