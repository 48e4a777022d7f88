/**
 * Downloading the embedding model: the real transformers.js loader pointed (HF_ENDPOINT →
 * env.remoteHost) at a local stand-in of the hub's file routes that serves the tiny fixtures
 * as repositories. Progress, mirror, cache layout, offline reuse, dtype files, `--to` copies
 * and the `mrag model` commands.
 */
import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import type { DownloadProgress } from '../../../src/rag/embed/download-progress.js';
import { createEmbedder } from '../../../src/rag/embed/embedder.js';
import { requiredModelFiles } from '../../../src/rag/embed/model-files.js';
import { modelInfo, pullModel } from '../../../src/rag/embed/pull.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import { openKnowledgeBase } from '../../../src/rag/knowledge-base.js';
import { freePort } from '../../helpers/redis.js';
import { startHubStandIn, type HubStandIn } from '../../platforms/hub-standin.js';

const CLIP = path.resolve('test/fixtures/clip-tiny');
const SIGLIP = path.resolve('test/fixtures/siglip-tiny');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-hub-'));
const run = promisify(execFile);

/** A repository with the fixture's graphs under the q8 file names only. */
const quantized = path.join(tmp, 'repo-q8');
cpSync(CLIP, quantized, { recursive: true });
for (const tower of ['text_model', 'vision_model']) renameSync(path.join(quantized, 'onnx', `${tower}.onnx`), path.join(quantized, 'onnx', `${tower}_quantized.onnx`));

let hub: HubStandIn;
beforeAll(async () => {
  hub = await startHubStandIn({ repos: { 'acme/clip-tiny': CLIP, 'acme/siglip-tiny': SIGLIP, 'acme/clip-q8': quantized }, prefix: '/mirror/hf', chunkBytes: 8 * 1024 });
});
afterAll(async () => {
  await hub.close();
  rmSync(tmp, { recursive: true, force: true });
});

const sizeOf = (dir: string, files: string[]) => files.reduce((sum, f) => sum + statSync(path.join(dir, f)).size, 0);

describe('first use of a Hub model, through a mirror', () => {
  const cacheDir = path.join(tmp, 'cache-a');

  it('downloads every file once with growing progress, into the cache, and loads', async () => {
    const events: DownloadProgress[] = [];
    hub.requests.length = 0;
    const embedder = await createEmbedder('acme/clip-tiny', { cacheDir, hubEndpoint: hub.url, onProgress: (p) => events.push(p) });
    expect(embedder.modelId).toBe('acme/clip-tiny');
    expect(embedder.dim).toBe(32);
    await embedder.close();

    // The mirror (with its path prefix) got exactly the model's files, each once.
    const files = requiredModelFiles('fp32');
    expect(hub.downloaded().sort()).toEqual(files.map((f) => `acme/clip-tiny/${f}`).sort());
    for (const file of files) expect(readFileSync(path.join(cacheDir, 'acme/clip-tiny', file)).equals(readFileSync(path.join(CLIP, file))), file).toBe(true);

    // Progress: several events, loaded never goes down, ends with everything loaded.
    expect(events.length).toBeGreaterThan(10);
    for (let i = 1; i < events.length; i++) expect(events[i]!.loaded).toBeGreaterThanOrEqual(events[i - 1]!.loaded);
    const last = events.at(-1)!;
    expect(last.loaded).toBe(sizeOf(CLIP, files));
    expect(last.total).toBe(last.loaded);
    expect(last.filesDone).toBe(files.length);
    expect(last.totalKnown).toBe(true);
    expect(events.some((e) => e.loaded < e.total && e.bytesPerSecond > 0 && e.etaSeconds !== undefined)).toBe(true);
  });

  it('is the same model as the directory it was served from (same identity, no path in it)', async () => {
    const [fromHub, fromDir] = [await createEmbedder('acme/clip-tiny', { cacheDir, localOnly: true }), await createEmbedder(CLIP)];
    expect(fromHub.identity).toEqual({ id: 'acme/clip-tiny', dim: 32, fingerprint: fromDir.identity.fingerprint });
    expect(Array.from((await fromHub.embedTexts(['the queue']))[0]!)).toEqual(Array.from((await fromDir.embedTexts(['the queue']))[0]!));
    await Promise.all([fromHub.close(), fromDir.close()]);
  });

  it('loads from the cache afterwards with the hub gone: no request, no progress', async () => {
    const deadHub = `http://127.0.0.1:${await freePort()}`;
    hub.requests.length = 0;
    const events: DownloadProgress[] = [];
    const embedder = await createEmbedder('acme/clip-tiny', { cacheDir, hubEndpoint: deadHub, onProgress: (p) => events.push(p) });
    expect(embedder.dim).toBe(32);
    await embedder.close();
    expect(hub.requests).toEqual([]);
    expect(events).toEqual([]);
  });

  it('fetches the q8 files (_quantized) when EMBEDDING_DTYPE=q8', async () => {
    hub.requests.length = 0;
    const embedder = await createEmbedder('acme/clip-q8', { cacheDir, hubEndpoint: hub.url, dtype: 'q8' });
    await embedder.close();
    expect(hub.downloaded()).toContain('acme/clip-q8/onnx/text_model_quantized.onnx');
    expect(hub.downloaded()).toContain('acme/clip-q8/onnx/vision_model_quantized.onnx');
    expect(hub.downloaded().some((f) => f.endsWith('/text_model.onnx'))).toBe(false);
  });
});

describe('the automatic first-run download', () => {
  it('opens the knowledge base at level 3 after downloading with progress lines in the log', async () => {
    const dataDir = path.join(tmp, 'auto-data');
    const local = await createEmbedder(CLIP);
    await ingest(['data/articles/slack-setup.md'], { config: loadConfig({ DATA_DIR: dataDir }), logger: createLogger({ level: 'silent' }) }, { embedder: local });
    await local.close();
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        for (const line of chunk.toString().split('\n').filter(Boolean)) lines.push((JSON.parse(line) as { msg: string }).msg);
        done();
      },
    });
    const logger = createLogger({ level: 'info', destination, pretty: false });
    // The index was built from the directory; the Hub copy of the same model is accepted.
    const kb = await openKnowledgeBase({ config: loadConfig({ DATA_DIR: dataDir, EMBEDDING_MODEL: 'acme/clip-tiny', HF_ENDPOINT: hub.url }), logger });
    expect(kb.level).toBe(3);
    expect((await kb.search({ text: 'Socket Mode' })).level).toBe(3);
    await kb.close();
    const progress = lines.filter((l) => l.startsWith('downloading acme/clip-tiny: '));
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.at(-1)).toMatch(/^downloading acme\/clip-tiny: 100% 220\.7 kB \/ 220\.7 kB, /);
    expect(existsSync(path.join(dataDir, 'cache', 'models', 'acme', 'clip-tiny', 'onnx', 'text_model.onnx'))).toBe(true);
  });
});

describe('when the model cannot be had', () => {
  it('says the hub is unreachable and where the cache is', async () => {
    const cacheDir = path.join(tmp, 'cache-empty');
    const err = await createEmbedder('acme/clip-tiny', { cacheDir, hubEndpoint: `http://127.0.0.1:${await freePort()}` }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'embedding_model_unavailable' });
    expect((err as Error).message).toContain(`the model is not in the cache (${path.join(cacheDir, 'acme/clip-tiny')}) and the model hub is unreachable`);
  });

  it('reports a repository the hub does not have', async () => {
    const err = await createEmbedder('acme/no-such-model', { cacheDir: path.join(tmp, 'cache-b'), hubEndpoint: hub.url }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'embedding_model_unavailable' });
    expect((err as Error).message).toContain('acme/no-such-model');
  });

  it('never downloads in local-only mode (model info)', async () => {
    hub.requests.length = 0;
    const info = await modelInfo({ model: 'acme/siglip-tiny', dtype: 'fp32', cacheDir: path.join(tmp, 'cache-c'), hubEndpoint: hub.url });
    expect(info.loads).toBe(false);
    expect(info.complete).toBe(false);
    expect(info.error).toContain('run `mrag model pull`');
    expect(hub.requests).toEqual([]);
  });
});

describe('mrag model pull / info', () => {
  it('pulls into the cache, copies a self-contained directory with --to, and both load as the same model', async () => {
    const cacheDir = path.join(tmp, 'cache-pull');
    const to = path.join(tmp, 'carry', 'siglip');
    const result = await pullModel({ model: 'acme/siglip-tiny', dtype: 'fp32', cacheDir, hubEndpoint: hub.url, to });
    expect(result.family).toBe('siglip');
    expect(result.copiedTo).toBe(to);
    expect(result.env).toEqual([`EMBEDDING_MODEL=${to}`]);
    expect(result.bytes).toBe(sizeOf(SIGLIP, requiredModelFiles('fp32')));
    // What the loader needs (special_tokens_map.json is not fetched, so not copied either).
    expect(readdirSync(to).sort()).toEqual(['config.json', 'onnx', 'preprocessor_config.json', 'tokenizer.json', 'tokenizer_config.json']);
    const info = await modelInfo({ model: to, dtype: 'fp32', cacheDir });
    expect(info).toMatchObject({ loads: true, complete: true, family: 'siglip', location: { kind: 'local', dir: to } });
    expect(info.identity!.fingerprint).toBe(result.identity.fingerprint);
  });

  it('runs as a command: progress on stderr, the EMBEDDING_MODEL= line on stdout, then info sees it', async () => {
    const dataDir = path.join(tmp, 'cli-data');
    const to = path.join(tmp, 'cli-carry');
    const env = { ...process.env, DATA_DIR: dataDir, HF_ENDPOINT: hub.url, EMBEDDING_MODEL: 'acme/clip-tiny', LOG_LEVEL: 'silent' };
    const pull = await run(process.execPath, ['bin/mrag.js', 'model', 'pull', '--to', to], { env });
    expect(pull.stdout).toContain(`EMBEDDING_MODEL=${to}`);
    expect(pull.stdout).toMatch(/^acme\/clip-tiny \(32-d, config [0-9a-f]{8}\): clip family, fp32, 220\.7 kB in .*: loads\.$/m);
    expect(pull.stderr).toMatch(/downloading acme\/clip-tiny: 100% 220\.7 kB \/ 220\.7 kB, .*\/s, ETA 0 s/);
    expect(existsSync(path.join(dataDir, 'cache', 'models', 'acme', 'clip-tiny', 'onnx', 'vision_model.onnx'))).toBe(true);

    const info = await run(process.execPath, ['bin/mrag.js', 'model', 'info', '--json'], { env: { ...env, EMBEDDING_MODEL: to } });
    expect(JSON.parse(info.stdout)).toMatchObject({ model: to, loads: true, complete: true, family: 'clip', location: { kind: 'local' } });

    const missing = (await run(process.execPath, ['bin/mrag.js', 'model', 'info'], { env: { ...env, EMBEDDING_MODEL: 'acme/not-pulled' } }).catch((e: unknown) => e)) as { stdout: string; code?: number };
    expect(missing.code).toBe(1);
    expect(missing.stdout).toContain('loads            no:');
    expect(missing.stdout).toContain('Without it the bot runs at retrieval level 2.');
  });
});
