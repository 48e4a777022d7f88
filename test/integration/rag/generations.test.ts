/**
 * Readers see whole generations only. A rebuild (`mrag ingest --rebuild`, another process)
 * never leaves a reader with an empty or half-built index; a run killed before its commit
 * publishes nothing and the next run discards it; a lost write lock never commits; each
 * commit compacts the tables and deletes old versions (after the grace period), so many
 * small ingests keep the index proportional to its data.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import '../../../src/rag/index/lance-env.js'; // before LanceDB loads: its own log level
import * as lancedb from '@lancedb/lancedb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { UserFacingError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { IndexStore, readIndexMeta } from '../../../src/rag/index/store.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import { openKnowledgeBase } from '../../../src/rag/knowledge-base.js';
import { cleanPrefix, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const ARTICLES = path.resolve('data/articles');
const logger = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-generations-'));
const prefix = uniquePrefix('gen');
let embedder: Embedder;

const env = (dataDir: string, extra: Record<string, string> = {}) => ({ DATA_DIR: dataDir, EMBEDDING_MODEL: FIXTURE, REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, ...extra });

/** `mrag ingest <args>` in a child process; resolves with its exit code. */
function ingestProcess(dataDir: string, args: string[]) {
  const child = spawn(process.execPath, ['bin/mrag.js', 'ingest', ...args], { env: { ...process.env, ...env(dataDir), LOG_LEVEL: 'silent' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, exited, output: () => output };
}

/** The latest version of the chunks table, committed or not (what a writer in progress has written). */
async function latestChunksVersion(dataDir: string): Promise<number> {
  const db = await lancedb.connect(path.join(dataDir, 'index', 'lance'));
  const table = await db.openTable('chunks');
  try {
    return await table.version();
  } finally {
    table.close();
  }
}

function diskBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, e) => {
    const full = path.join(dir, e.name);
    return sum + (e.isDirectory() ? diskBytes(full) : statSync(full).size);
  }, 0);
}

beforeAll(async () => {
  embedder = await createEmbedder(FIXTURE);
});
afterAll(async () => {
  await embedder.close();
  await cleanPrefix(TEST_REDIS_URL, prefix);
  rmSync(tmp, { recursive: true, force: true });
});

describe('a rebuild in another process', () => {
  it('never shows a reader searching in a loop an empty or half-built index: every search answers from a complete generation', async () => {
    const dataDir = path.join(tmp, 'rebuild');
    await ingest([ARTICLES], { config: loadConfig(env(dataDir)), logger }, { embedder });
    const generation = readIndexMeta(dataDir)!.generation;
    const kb = await openKnowledgeBase({ config: loadConfig(env(dataDir)), logger, embedder });
    const complete = { chunks: kb.info.chunks, figures: kb.info.figures };
    expect(complete.chunks).toBeGreaterThan(10);

    const rebuild = ingestProcess(dataDir, ['--rebuild', ARTICLES]);
    let running = true;
    void rebuild.exited.then(() => (running = false));
    let searches = 0;
    let sawUncommittedWrites = false;
    const generations = new Set<number>();
    const check = async () => {
      const result = await kb.search({ text: 'Which bot token scopes does the Slack app need?' }, { textK: 10, figureK: 5 });
      expect(result.chunks.length).toBeGreaterThan(0);
      expect(result.figures.length).toBeGreaterThan(0);
      expect({ chunks: kb.info.chunks, figures: kb.info.figures }).toEqual(complete);
      generations.add(readIndexMeta(dataDir)!.generation);
      searches++;
    };
    while (running) {
      await check();
      const committed = readIndexMeta(dataDir)!.versions!.chunks;
      if ((await latestChunksVersion(dataDir)) > committed) sawUncommittedWrites = true;
    }
    expect(await rebuild.exited, rebuild.output()).toBe(0);
    await check(); // and the reader moves to the rebuilt generation
    await kb.close();
    expect(sawUncommittedWrites).toBe(true); // the loop really ran while the rebuild was writing
    expect(searches).toBeGreaterThan(5);
    expect(generations).toEqual(new Set([generation, generation + 1]));
  });

  it('publishes nothing when killed before its commit; the next run discards its writes and the index is whole', async () => {
    const dataDir = path.join(tmp, 'killed');
    await ingest([ARTICLES], { config: loadConfig(env(dataDir)), logger }, { embedder });
    const committed = readIndexMeta(dataDir)!;
    const rebuild = ingestProcess(dataDir, ['--rebuild', ARTICLES]);
    await expect.poll(async () => (await latestChunksVersion(dataDir)) > committed.versions!.chunks, { timeout: 30_000, interval: 20 }).toBe(true);
    rebuild.child.kill('SIGKILL');
    await rebuild.exited;
    expect(readIndexMeta(dataDir)).toEqual(committed);
    const kb = await openKnowledgeBase({ config: loadConfig(env(dataDir)), logger, embedder });
    expect(kb.info.documents).toBe(4);
    await kb.close();

    await cleanPrefix(TEST_REDIS_URL, prefix); // the killed writer's Redis lock (it would expire within its TTL)
    const next = await ingest([ARTICLES], { config: loadConfig(env(dataDir)), logger }, { embedder });
    expect(next.notices).toContain('an earlier ingest stopped before committing: its partial changes were discarded');
    expect(next.documents).toMatchObject({ unchanged: 4, added: 0 });
    const store = (await IndexStore.open(dataDir))!;
    expect((await store.loadChunks()).length).toBeGreaterThan(10);
    await store.close();
  });
});

describe('a rebuild with another model', () => {
  it('is searched by BM25 only by a reader still holding the old model (no comparing vectors of two models)', async () => {
    const dataDir = path.join(tmp, 'other-model');
    await ingest([ARTICLES], { config: loadConfig(env(dataDir, { OCR_ENABLED: 'false' })), logger }, { embedder });
    const kb = await openKnowledgeBase({ config: loadConfig(env(dataDir)), logger, embedder });
    expect((await kb.search({ text: 'Slack app token' })).level).toBe(3);
    const siglip = await createEmbedder(path.resolve('test/fixtures/siglip-tiny'));
    try {
      const config = loadConfig(env(dataDir, { EMBEDDING_MODEL: path.resolve('test/fixtures/siglip-tiny'), OCR_ENABLED: 'false' }));
      await ingest([ARTICLES], { config, logger }, { embedder: siglip, rebuild: true });
    } finally {
      await siglip.close();
    }
    const after = await kb.search({ text: 'Slack app token' });
    await kb.close();
    expect(after.level).toBe(2);
    expect(after.chunks.length).toBeGreaterThan(0);
    for (const c of after.chunks) expect(Object.keys(c.signals ?? {})).toEqual(['bm25']);
  });
});

describe('commits', () => {
  it('a lost write lock publishes nothing: commit throws the lock’s reason, readers keep the last generation', async () => {
    const dataDir = path.join(tmp, 'lost-lock');
    await ingest([ARTICLES], { config: loadConfig(env(dataDir)), logger }, { embedder });
    const before = readIndexMeta(dataDir)!;
    const store = await IndexStore.create(dataDir, embedder.identity);
    const [doc] = await store.documents();
    await store.removeDocument(doc!.docId);
    const lock = new AbortController();
    lock.abort(new UserFacingError('index_lock_lost', 'The index write lock was lost: test.'));
    await expect(store.commit({ signal: lock.signal })).rejects.toMatchObject({ code: 'index_lock_lost' });
    await store.close();
    expect(readIndexMeta(dataDir)).toEqual(before);
    const reader = (await IndexStore.open(dataDir))!;
    expect(await reader.documents()).toHaveLength(4);
    await reader.close();
  });

  it('keep the previous generation readable for the grace period: a reader that has not reloaded yet still reads it', async () => {
    const dataDir = path.join(tmp, 'grace');
    const docs = path.join(tmp, 'grace-docs');
    mkdirSync(docs);
    writeFileSync(path.join(docs, 'one.md'), '# One\n\nThe first document.\n');
    const config = loadConfig(env(dataDir, { RETRIEVAL_LEVEL: '2', OCR_ENABLED: 'false' }));
    await ingest([docs], { config, logger });
    const reader = (await IndexStore.open(dataDir))!;
    for (let i = 2; i <= 4; i++) {
      writeFileSync(path.join(docs, `doc-${i}.md`), `# Doc ${i}\n\nAnother document.\n`);
      await ingest([docs], { config, logger });
    }
    expect((await reader.documents()).map((d) => d.source)).toEqual(['grace-docs/one.md']);
    expect(await reader.fullText('chunks', 'first', 10)).toHaveLength(1);
    await reader.refresh();
    expect(await reader.documents()).toHaveLength(4);
    await reader.close();
  });

  it('keep the index proportional to its data: 30 documents ingested one at a time leave a bounded number of versions', async () => {
    const docs = path.join(tmp, 'small-docs');
    mkdirSync(docs);
    const oneAtATime = path.join(tmp, 'one-at-a-time');
    const config = loadConfig(env(oneAtATime, { RETRIEVAL_LEVEL: '2', OCR_ENABLED: 'false' }));
    const versions: number[] = [];
    for (let i = 0; i < 30; i++) {
      const file = path.join(docs, `note-${i}.md`);
      writeFileSync(file, `# Note ${i}\n\nA small note number ${i} about the queue, the worker and the index.\n`);
      await ingest([file], { config, logger }, { graceMs: 0 });
      const db = await lancedb.connect(path.join(oneAtATime, 'index', 'lance'));
      const table = await db.openTable('chunks');
      versions.push((await table.listVersions()).length);
      table.close();
    }
    // Each run keeps the committed generation before it and its own versions: no growth.
    expect(Math.max(...versions.slice(5))).toBeLessThanOrEqual(Math.max(...versions.slice(0, 5)) + 2);
    expect(versions.at(-1)).toBeLessThan(15);

    const allAtOnce = path.join(tmp, 'all-at-once');
    await ingest([docs], { config: loadConfig(env(allAtOnce, { RETRIEVAL_LEVEL: '2', OCR_ENABLED: 'false' })), logger });
    const lance = (dataDir: string) => diskBytes(path.join(dataDir, 'index', 'lance'));
    expect(lance(oneAtATime)).toBeLessThan(3 * lance(allAtOnce));
    const store = (await IndexStore.open(oneAtATime))!;
    expect(await store.documents()).toHaveLength(30);
    await store.close();
  });
});
