/**
 * A fresh clone on a machine without network: `mrag start` (startApp as it runs it: local
 * Redis check, the shipped articles ingested into a fresh DATA_DIR, the real worker and
 * answer pipeline, the terminal chat as the platform) with the default EMBEDDING_MODEL
 * unreachable (not cached, the hub at a closed port) indexes the shipped knowledge base and
 * answers a question with its figure attached, at level 2, with exactly one warning line.
 * The same with EMBEDDING_MODEL pointing at a copied local model directory gives level 3,
 * and still after that directory moved.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp } from '../../../src/app/app.js';
import { loadConfig } from '../../../src/config/env.js';
import { readIndexMeta } from '../../../src/rag/index/store.js';
import { captureLogger } from '../../helpers/log-capture.js';
import { waitFor } from '../../helpers/recording-platform.js';
import { cleanPrefix, freePort, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { startOllamaStandIn, type OllamaStandIn } from '../../platforms/ollama-standin.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-offline-start-'));
const prefixes: string[] = [];
let ollama: OllamaStandIn;

beforeAll(async () => {
  // The model answers from source 1 and cites figure 1, as a real model is told to.
  ollama = await startOllamaStandIn({ chat: () => ({ kind: 'reply', tokens: ['The worker posts the answer ', 'over the platform REST API [1], ', 'as the diagram shows [F1].'] }) });
});
afterAll(async () => {
  await ollama.close();
  for (const prefix of prefixes) await cleanPrefix(TEST_REDIS_URL, prefix);
  rmSync(tmp, { recursive: true, force: true });
});

interface ChatRun {
  printed: string;
  warnings: string[];
  levels: unknown[];
}

/** `mrag start` in the terminal: ask one question, wait for the figures of the answer, quit. */
async function startAndAsk(env: Record<string, string>): Promise<ChatRun> {
  const prefix = uniquePrefix('offline');
  prefixes.push(prefix);
  const config = loadConfig({ REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, HTTP_PORT: '0', OLLAMA_HOST: ollama.url, OLLAMA_TIMEOUT_MS: '15000', ...env });
  const { logger, lines } = captureLogger('info');
  const input = new PassThrough();
  const output = new PassThrough();
  let printed = '';
  output.on('data', (d: Buffer) => (printed += d.toString()));
  const app = await startApp({ config, logger, worker: true, bots: true, local: true, chat: true, chatInput: input, chatOutput: output });
  try {
    input.write('How does the worker post the answer back to the chat platform?\n');
    await waitFor(() => /Figures:\n {2}\[F1\] .* — (\S+)/.test(printed), { timeoutMs: 60_000, what: 'the answer with its figures' });
    input.write('/exit\n');
    await app.finished;
  } finally {
    await app.stop();
  }
  const parsed = lines.map((l) => JSON.parse(l) as { level: number; msg: string; retrievalLevel?: unknown });
  return { printed, warnings: parsed.filter((l) => l.level >= 40).map((l) => l.msg), levels: parsed.filter((l) => l.msg === 'answered').map((l) => l.retrievalLevel) };
}

function attachedFigure(printed: string): string {
  return /Figures:\n {2}\[F1\] .* — (\S+)/.exec(printed)![1]!;
}

describe('mrag start on a fresh clone without network', () => {
  it('indexes the shipped articles and answers with the figure attached at level 2, with one warning line', async () => {
    const dataDir = path.join(tmp, 'fresh-data');
    const run = await startAndAsk({ DATA_DIR: dataDir, HF_ENDPOINT: `http://127.0.0.1:${await freePort()}` });
    expect(run.warnings).toHaveLength(1);
    expect(run.warnings[0]).toContain('EMBEDDING_MODEL "Xenova/clip-vit-base-patch16" could not be loaded');
    expect(run.warnings[0]).toContain('retrieval level 2');
    expect(run.warnings[0]).toContain('mrag model pull');
    expect(run.levels).toEqual([2]);
    expect(readIndexMeta(dataDir)).toMatchObject({ generation: 1 });
    expect(readIndexMeta(dataDir)!.model).toBeUndefined();
    expect(run.printed).toContain('The worker posts the answer over the platform REST API');
    const figure = attachedFigure(run.printed);
    expect(figure.startsWith(path.join(dataDir, 'index', 'figures'))).toBe(true);
    // The figure's pixels went to the vision model, and the file the answer attaches is there.
    const sent = ollama.chatRequests().at(-1)!.messages!.at(-1)!.images!;
    expect(sent).toContain(readFileSync(figure).toString('base64'));
  });

  it('moves that index to level 3 on the next start once the model is there: the embeddings are added, nothing re-parsed', async () => {
    const dataDir = path.join(tmp, 'fresh-data'); // built at level 2 by the test above
    const documents = readIndexMeta(dataDir)!;
    const model = path.join(tmp, 'brought-model');
    cpSync(path.resolve('test/fixtures/clip-tiny'), model, { recursive: true });
    const run = await startAndAsk({ DATA_DIR: dataDir, EMBEDDING_MODEL: model });
    expect(run.warnings).toEqual([]);
    expect(run.levels).toEqual([3]);
    expect(readIndexMeta(dataDir)).toMatchObject({ generation: documents.generation + 1, model: 'brought-model', dim: 32 });
    expect(existsSync(attachedFigure(run.printed))).toBe(true);
  });

  it('runs at level 3 with EMBEDDING_MODEL pointing at a copied local model directory, and after the directory moved', async () => {
    const model = path.join(tmp, 'models', 'clip-copy');
    cpSync(path.resolve('test/fixtures/clip-tiny'), model, { recursive: true });
    const dataDir = path.join(tmp, 'level3-data');
    const run = await startAndAsk({ DATA_DIR: dataDir, EMBEDDING_MODEL: model });
    expect(run.warnings).toEqual([]);
    expect(run.levels).toEqual([3]);
    expect(readIndexMeta(dataDir)).toMatchObject({ model: 'clip-copy', dim: 32 });
    expect(existsSync(attachedFigure(run.printed))).toBe(true);

    const moved = path.join(tmp, 'elsewhere', 'clip-moved');
    cpSync(model, moved, { recursive: true });
    rmSync(model, { recursive: true });
    renameSync(path.join(tmp, 'models'), path.join(tmp, 'models-gone'));
    const again = await startAndAsk({ DATA_DIR: dataDir, EMBEDDING_MODEL: moved });
    expect(again.warnings).toEqual([]);
    expect(again.levels).toEqual([3]);
    expect(readIndexMeta(dataDir)!.generation).toBe(1); // the index was not rebuilt
    expect(existsSync(attachedFigure(again.printed))).toBe(true);
  });
});
