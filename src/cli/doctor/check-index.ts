/**
 * Doctor: the embedding model (does it load; which retrieval level that gives) and the index
 * under DATA_DIR (generation, documents/chunks/figures, the model it was built with, disk use).
 */
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../../config/env.js';
import { describeModel } from '../../rag/embed/identity.js';
import { isLocalModel, type Embedder } from '../../rag/embed/embedder.js';
import { assertIndexLayout, assertSameModel } from '../../rag/index/model-check.js';
import { IndexStore, indexDir, readIndexMeta } from '../../rag/index/store.js';
import { errorText, fail, ok, warn, type DoctorContext, type DoctorLine } from './checks.js';

const INGEST_FIX = '`mrag ingest <your documents>` (Compose: `docker compose run --rm ingest`)';

export async function checkEmbeddingModel({ config, embedder: load }: DoctorContext): Promise<DoctorLine[]> {
  const configured = config.retrieval.level;
  const model = config.embedding.model;
  if (configured === 1 || configured === 2) return [ok('embedding model', `not needed at RETRIEVAL_LEVEL=${configured} (text retrieval)`)];
  try {
    const { dim } = await load();
    return [ok('embedding model', `${model} loads (${dim}-d): level 3, multimodal retrieval`)];
  } catch (err) {
    const fix = '`mrag model pull` on a connected machine, or EMBEDDING_MODEL=<a local model directory> (see docs/air-gapped.md)';
    if (configured === 3) return [fail('embedding model', `${model} does not load (${errorText(err)}) and RETRIEVAL_LEVEL=3 requires it`, fix)];
    return [warn('embedding model', `${model} does not load (${errorText(err)}): the bot runs at level 2 (text retrieval)`, `${fix}; or RETRIEVAL_LEVEL=2 to choose it`)];
  }
}

/** Bytes used by the files under `dir` (0 when it does not exist). */
export function diskUsage(dir: string): number {
  let total = 0;
  let entries: string[];
  try {
    entries = readdirSync(dir);
  } catch {
    return 0;
  }
  for (const name of entries) {
    const full = path.join(dir, name);
    try {
      const s = statSync(full);
      total += s.isDirectory() ? diskUsage(full) : s.size;
    } catch {
      // vanished while we looked (a concurrent ingest): skip
    }
  }
  return total;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(unit === 0 ? 0 : 1)} ${units[unit]}`;
}

export async function checkIndex({ config, embedder }: DoctorContext): Promise<DoctorLine[]> {
  const dir = indexDir(config.dataDir);
  let meta;
  try {
    meta = readIndexMeta(config.dataDir);
  } catch (err) {
    return [fail('index', errorText(err), `delete ${dir} and run ${INGEST_FIX}`)];
  }
  if (!meta) return [fail('index', `none under ${dir}: workers wait for one`, INGEST_FIX)];
  try {
    assertIndexLayout(meta);
  } catch (err) {
    return [fail('index', errorText(err), 're-ingest with `mrag ingest --rebuild <your documents>` (workers cannot read this index)')];
  }
  const lines: DoctorLine[] = [];
  let counts = '';
  try {
    const store = await IndexStore.open(config.dataDir);
    if (store) {
      const documents = await store.documents();
      await store.close();
      const chunks = documents.reduce((n, d) => n + d.chunks, 0);
      const figures = documents.reduce((n, d) => n + d.figures, 0);
      counts = `, ${documents.length} documents, ${chunks} chunks, ${figures} figures`;
    }
  } catch (err) {
    lines.push(fail('index', `${dir} does not open (${errorText(err)})`, `run ${INGEST_FIX} with --rebuild`));
  }
  lines.push(ok('index', `generation ${meta.generation} (updated ${meta.updatedAt})${counts}, ${formatBytes(diskUsage(dir))} on disk`));
  lines.push(await modelIdentity(config, meta, config.retrieval.level === 1 || config.retrieval.level === 2 ? undefined : await embedder().catch(() => undefined)));
  return lines;
}

function modelIdentity(config: Config, meta: NonNullable<ReturnType<typeof readIndexMeta>>, embedder: Embedder | undefined): DoctorLine {
  if (meta.model === undefined) return ok('index model', 'no embeddings yet (built at level 2): the next ingest with the model adds them');
  if (!embedder) {
    // Without the model only a Hub id can be compared, by name. At levels 1-2 the vectors are
    // unused (a warning); under auto/3 the bot would refuse the index once the model loads.
    const configured = config.embedding.model;
    if (!isLocalModel(configured) && configured !== meta.model) {
      const textOnly = config.retrieval.level === 1 || config.retrieval.level === 2;
      const line = textOnly ? warn : fail;
      return line('index model', `the index's embeddings come from ${describeModel(meta)}, but EMBEDDING_MODEL is ${configured}`, 're-ingest with `mrag ingest --rebuild <your documents>`, or set EMBEDDING_MODEL back');
    }
    return warn('index model', `${describeModel(meta)}; the configured EMBEDDING_MODEL is not loaded, so it cannot be compared`, 'see the embedding model line');
  }
  try {
    assertSameModel(meta, { ...embedder.identity, ref: embedder.modelId }, config.embedding.model);
    return ok('index model', `${describeModel(meta)}, the configured EMBEDDING_MODEL`);
  } catch (err) {
    return fail('index model', errorText(err), 're-ingest with `mrag ingest --rebuild <your documents>`, or set EMBEDDING_MODEL back');
  }
}
