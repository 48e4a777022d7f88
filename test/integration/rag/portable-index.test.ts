/**
 * A portable index: a document's identity is its path under its ingest root (KB_DIR, the
 * directory given, or a root the index knows), never the working directory; paths inside
 * the index are relative to DATA_DIR. So a copied DATA_DIR keeps every figure, two mount
 * points of one copy answer the same, `--prune` from another directory deletes nothing, and
 * a moved documents folder never empties the index. The real `mrag` CLI runs in other
 * working directories.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { IndexStore, readIndexMeta } from '../../../src/rag/index/store.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import { docIdOf } from '../../../src/rag/ingest/sources.js';
import { openKnowledgeBase } from '../../../src/rag/knowledge-base.js';
import { startOllamaStandIn, type OllamaStandIn } from '../../platforms/ollama-standin.js';

const run = promisify(execFile);
const MRAG = path.resolve('bin/mrag.js');
const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const ARTICLES = path.resolve('data/articles');
const logger = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-portable-'));
const elsewhere = path.join(tmp, 'some', 'other', 'cwd');
let embedder: Embedder;
let ollama: OllamaStandIn;

const baseEnv = (dataDir: string, extra: Record<string, string> = {}) => ({
  DATA_DIR: dataDir,
  EMBEDDING_MODEL: FIXTURE,
  OCR_ENABLED: 'false',
  KB_DIR: path.join(tmp, 'no-kb-here'),
  REDIS_URL: 'redis://127.0.0.1:1', // the lock file alone: no shared Redis needed here
  ...extra,
});

/** The CLI in `cwd` (no .env there), JSON output parsed when asked for. */
async function mrag(cwd: string, env: Record<string, string>, args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, [MRAG, ...args], { cwd, env: { ...process.env, ...env, LOG_LEVEL: 'silent' }, maxBuffer: 10 * 1024 * 1024 });
  return stdout;
}

async function sources(dataDir: string): Promise<string[]> {
  const store = (await IndexStore.open(dataDir))!;
  try {
    return (await store.documents()).map((d) => d.source).sort();
  } finally {
    await store.close();
  }
}

beforeAll(async () => {
  mkdirSync(elsewhere, { recursive: true });
  embedder = await createEmbedder(FIXTURE);
  ollama = await startOllamaStandIn({ chat: () => ({ kind: 'reply', tokens: ['The worker replies over REST [1] [F1].'] }) });
});
afterAll(async () => {
  await embedder.close();
  await ollama.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('a copied DATA_DIR', () => {
  it('keeps every figure: opened from another directory and through another mount point, it searches and answers the same', async () => {
    const original = path.join(tmp, 'original');
    await ingest([ARTICLES], { config: loadConfig(baseEnv(original)), logger }, { embedder });
    expect(await sources(original)).toEqual(['articles/discord-setup.html', 'articles/how-mrag-bot-works.md', 'articles/retrieval.md', 'articles/slack-setup.md']);
    const copy = path.join(tmp, 'backup', 'restored-data');
    cpSync(original, copy, { recursive: true });
    rmSync(original, { recursive: true, force: true }); // restored on another machine: the original is gone
    const mountPoint = path.join(tmp, 'mnt', 'shared-data');
    mkdirSync(path.dirname(mountPoint), { recursive: true });
    symlinkSync(copy, mountPoint); // a second worker mounts the same copy elsewhere

    const question = 'How does the worker post the answer back to Slack?';
    const searched = await Promise.all(
      [copy, mountPoint].map(async (dataDir) => JSON.parse(await mrag(elsewhere, baseEnv(dataDir), ['search', '--json', question])) as { level: number; chunks: Array<{ id: string; score: number }>; figures: Array<{ id: string; score: number; imagePath: string }> }),
    );
    const [a, b] = searched;
    expect(a!.level).toBe(3);
    expect(a!.figures.length).toBeGreaterThan(0);
    expect(b!.chunks.map((c) => [c.id, c.score])).toEqual(a!.chunks.map((c) => [c.id, c.score]));
    expect(b!.figures.map((f) => [f.id, f.score])).toEqual(a!.figures.map((f) => [f.id, f.score]));
    for (const [dataDir, result] of [[copy, a!], [mountPoint, b!]] as const) {
      for (const f of result.figures) {
        expect(f.imagePath.startsWith(path.join(dataDir, 'index', 'figures'))).toBe(true);
        expect(readFileSync(f.imagePath)).toEqual(readFileSync(result === a ? f.imagePath : a!.figures.find((x) => x.id === f.id)!.imagePath));
      }
    }

    const answers = await Promise.all(
      [copy, mountPoint].map(async (dataDir) => JSON.parse(await mrag(elsewhere, baseEnv(dataDir, { OLLAMA_HOST: ollama.url }), ['ask', '--json', question])) as { text: string; figures: Array<{ id: string; imagePath: string }> }),
    );
    expect(answers[1]!.text).toBe(answers[0]!.text);
    expect(answers[1]!.figures.map((f) => f.id)).toEqual(answers[0]!.figures.map((f) => f.id));
    for (const answer of answers) for (const f of answer.figures) expect(existsSync(f.imagePath)).toBe(true);
  });
});

describe('document identity', () => {
  it('does not depend on the working directory: `--prune` from elsewhere keeps every document, and prunes only what is gone', async () => {
    const docs = path.join(tmp, 'docs-copy', 'articles');
    cpSync(ARTICLES, docs, { recursive: true });
    const dataDir = path.join(tmp, 'prune-data');
    const env = baseEnv(dataDir, { RETRIEVAL_LEVEL: '2' });
    await mrag(path.resolve('.'), env, ['ingest', docs]);
    const before = await sources(dataDir);
    expect(before).toHaveLength(4);

    const relative = path.relative(elsewhere, docs);
    const fromElsewhere = await mrag(elsewhere, env, ['ingest', '--prune', relative]);
    expect(fromElsewhere).toContain('documents: 0 added, 0 updated, 4 unchanged, 0 failed, 0 skipped (4 in the index)');
    const fromRoot = await mrag('/', env, ['ingest', '--prune', docs]);
    expect(fromRoot).toContain('4 unchanged');
    expect(await sources(dataDir)).toEqual(before);

    rmSync(path.join(docs, 'retrieval.md'));
    rmSync(path.join(docs, 'figures', 'retrieval-pipeline.png')); // shown by retrieval.md only (else a document of its own)
    const pruned = await mrag(elsewhere, env, ['ingest', '--prune', relative]);
    expect(pruned).toContain('3 unchanged, 0 failed, 0 skipped, 1 pruned (3 in the index)');
    expect(await sources(dataDir)).toEqual(before.filter((s) => s !== 'articles/retrieval.md'));
  });

  it('is the same for a file given alone and found in its directory, and for documents under KB_DIR wherever it is mounted', async () => {
    const dataDir = path.join(tmp, 'same-id');
    const docs = path.join(tmp, 'team', 'handbook');
    mkdirSync(path.join(docs, 'guides'), { recursive: true });
    writeFileSync(path.join(docs, 'intro.md'), '# Intro\n\nWelcome to the handbook.\n');
    writeFileSync(path.join(docs, 'guides', 'deploy.md'), '# Deploy\n\nHow to deploy the bot.\n');
    const config = loadConfig(baseEnv(dataDir, { RETRIEVAL_LEVEL: '2' }));
    await ingest([docs], { config, logger });
    const alone = await ingest([path.join(docs, 'guides', 'deploy.md')], { config, logger });
    expect(alone.documents).toMatchObject({ unchanged: 1, added: 0 });
    expect(await sources(dataDir)).toEqual(['handbook/guides/deploy.md', 'handbook/intro.md']);
    const kb = await openKnowledgeBase({ config, logger });
    expect(kb.info.documents).toBe(2);
    await kb.close();

    // KB_DIR: the Compose ingest reads /kb, a laptop ./kb; the same documents, the same ids.
    const kbData = path.join(tmp, 'kb-data');
    const containerKb = path.join(tmp, 'container', 'kb');
    cpSync(docs, containerKb, { recursive: true });
    await ingest([containerKb], { config: loadConfig(baseEnv(kbData, { RETRIEVAL_LEVEL: '2', KB_DIR: containerKb })), logger });
    expect(await sources(kbData)).toEqual(['kb/guides/deploy.md', 'kb/intro.md']);
    const laptopKb = path.join(tmp, 'laptop', 'team-docs');
    cpSync(docs, laptopKb, { recursive: true });
    const onLaptop = await ingest([laptopKb], { config: loadConfig(baseEnv(kbData, { RETRIEVAL_LEVEL: '2', KB_DIR: laptopKb })), logger }, { prune: true });
    expect(onLaptop.documents).toMatchObject({ added: 0, unchanged: 2, pruned: 0 });
    expect((await sources(kbData)).map(docIdOf)).toEqual(['kb/guides/deploy.md', 'kb/intro.md'].map(docIdOf));
  });

  it('gives a second folder of the same name its own label, and follows a folder that moved; --prune never empties a missing folder', async () => {
    const dataDir = path.join(tmp, 'labels');
    const config = loadConfig(baseEnv(dataDir, { RETRIEVAL_LEVEL: '2' }));
    const first = path.join(tmp, 'a', 'docs');
    const second = path.join(tmp, 'b', 'docs');
    for (const [dir, text] of [[first, 'Alpha'], [second, 'Beta']] as const) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(path.join(dir, 'readme.md'), `# ${text}\n\n${text} readme.\n`);
    }
    await ingest([first], { config, logger });
    await ingest([second], { config, logger });
    expect(await sources(dataDir)).toEqual(['docs-2/readme.md', 'docs/readme.md']);

    // The first folder is moved away (or its volume is not mounted): --prune keeps its documents and says so.
    const moved = path.join(tmp, 'c', 'docs');
    mkdirSync(path.dirname(moved), { recursive: true });
    renameSync(first, moved);
    const pruning = await ingest([second], { config, logger }, { prune: true });
    expect(pruning.documents.pruned).toBe(0);
    expect(pruning.notices.some((n) => n.startsWith('--prune kept 1 document of "docs": its folder') && n.includes(first))).toBe(true);
    expect(await sources(dataDir)).toHaveLength(2);

    // Ingested from where it is now, the label follows it: the same ids, nothing re-added.
    const found = await ingest([moved], { config, logger }, { prune: true });
    expect(found.documents).toMatchObject({ added: 0, unchanged: 1, pruned: 0 });
    expect(found.notices.some((n) => n.includes(`now read from ${moved}`))).toBe(true);
    expect(await sources(dataDir)).toEqual(['docs-2/readme.md', 'docs/readme.md']);
    expect(readIndexMeta(dataDir)!.roots).toEqual({ docs: moved, 'docs-2': second });
  });
});

describe('an index of an older layout', () => {
  it('is refused with the one-line re-ingest error, and `--rebuild` replaces it keeping the index id', async () => {
    const dataDir = path.join(tmp, 'old-layout');
    const config = loadConfig(baseEnv(dataDir, { RETRIEVAL_LEVEL: '2' }));
    await ingest([path.join(ARTICLES, 'retrieval.md')], { config, logger });
    const metaFile = path.join(dataDir, 'index', 'meta.json');
    const { versions: _v, roots: _r, ...old } = JSON.parse(readFileSync(metaFile, 'utf8')) as Record<string, unknown>;
    writeFileSync(metaFile, JSON.stringify({ ...old, schemaVersion: 2 }));
    const lockId = readFileSync(path.join(dataDir, 'index', 'lock-id'), 'utf8');

    const opening = await openKnowledgeBase({ config, logger }).catch((e: unknown) => e);
    expect(opening).toMatchObject({ code: 'index_outdated' });
    expect((opening as Error).message).toContain('mrag ingest --rebuild');
    expect((opening as Error).message).not.toContain('\n');
    await expect(ingest([ARTICLES], { config, logger })).rejects.toMatchObject({ code: 'index_outdated' });

    const rebuilt = await ingest([ARTICLES], { config, logger }, { rebuild: true });
    expect(rebuilt.documents.added).toBe(4);
    expect(readIndexMeta(dataDir)).toMatchObject({ schemaVersion: 3, versions: expect.any(Object) });
    expect(readFileSync(path.join(dataDir, 'index', 'lock-id'), 'utf8')).toBe(lockId);
  });
});
