/**
 * Answers at each retrieval level, with the real knowledge base (index built with the tiny
 * CLIP fixture) and the real `ollama` client against the local Ollama stand-in:
 * level 1 sends no image at all (a text-only model answers), level 2 sends the retrieved
 * figure's original image without any embedding model; `mrag ask --json` and
 * `mrag search --json` report the level.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createAnswerer } from '../../../src/rag/answer/index.js';
import { createEmbedder } from '../../../src/rag/embed/embedder.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import { startOllamaStandIn, type OllamaStandIn } from '../../platforms/ollama-standin.js';

const logger = createLogger({ level: 'silent' });
const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-answer-levels-'));
const dataDir = path.join(tmp, 'data');
const nowhere = path.join(tmp, 'no-model');
const run = promisify(execFile);
let standIn: OllamaStandIn;

const env = (extra: Record<string, string>) => ({ DATA_DIR: dataDir, OLLAMA_HOST: standIn.url, OLLAMA_TIMEOUT_MS: '10000', EMBEDDING_MODEL: nowhere, ...extra });
const question = 'Which component posts the answer back to Slack?';

beforeAll(async () => {
  standIn = await startOllamaStandIn({ models: ['llama3.2-vision', 'llama3.2'] });
  const embedder = await createEmbedder('test/fixtures/clip-tiny');
  await ingest(['data/articles'], { config: loadConfig({ DATA_DIR: dataDir }), logger }, { embedder });
  await embedder.close();
});
afterEach(() => {
  standIn.setChat(undefined);
  standIn.requests.length = 0;
});
afterAll(async () => {
  await standIn.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('level 1: figures as text, so a text-only model answers', () => {
  it('sends no image (not even the user’s), describes figures in text, and still attaches the cited figure', async () => {
    standIn.setChat(() => ({ kind: 'reply', tokens: ['The worker posts it through the Slack Web API ', '[1] [F1].'] }));
    const answerer = await createAnswerer({ config: loadConfig(env({ RETRIEVAL_LEVEL: '1', OLLAMA_MODEL: 'llama3.2' })), logger });
    const userImage = new Uint8Array(readFileSync('data/articles/figures/answer-flow.png'));
    const answer = await answerer.answer(question, { images: [userImage] });
    await answerer.close();
    expect(answer).toMatchObject({ mode: 'llm', level: 1 });
    expect(answer.figures).toHaveLength(1);
    expect(answer.retrieval!.shownToModel).toEqual([]);
    const [request] = standIn.chatRequests();
    expect(request!.model).toBe('llama3.2');
    for (const m of request!.messages!) expect(m.images ?? []).toEqual([]);
    const user = request!.messages!.at(-1)!.content;
    expect(user).toContain('<figure id="F1"');
    expect(user).toContain('image="none (text only)"');
    expect(user).toContain('Figures are given as text only');
    expect(user).toContain('The user attached an image, which cannot be shown to you');
  });
});

describe('level 2: text retrieval, the original figure image to the vision model', () => {
  it('sends the retrieved figure’s stored image with no embedding model loaded', async () => {
    standIn.setChat(() => ({ kind: 'reply', tokens: ['The worker [F1].'] }));
    const answerer = await createAnswerer({ config: loadConfig(env({ RETRIEVAL_LEVEL: 'auto' })), logger });
    const answer = await answerer.answer(question);
    await answerer.close();
    expect(answer).toMatchObject({ mode: 'llm', level: 2 });
    const figure = answer.figures[0]!;
    expect(answer.retrieval!.shownToModel).toEqual([figure.id]);
    const images = standIn.chatRequests()[0]!.messages!.at(-1)!.images;
    expect(images).toEqual([readFileSync(figure.imagePath).toString('base64')]);
  });
});

describe('the commands report the level', () => {
  it('mrag search --json and mrag ask --json at level 2, offline (EMBEDDING_MODEL points nowhere)', async () => {
    standIn.setChat(() => ({ kind: 'reply', tokens: ['The worker [1].'] }));
    const childEnv = { ...process.env, ...env({ LOG_LEVEL: 'silent' }) };
    const search = await run(process.execPath, ['bin/mrag.js', 'search', '--json', question], { env: childEnv });
    const found = JSON.parse(search.stdout) as { level: number; figures: Array<Record<string, unknown>> };
    expect(found.level).toBe(2);
    expect(found.figures[0]).toMatchObject({ caption: expect.any(String), imagePath: expect.any(String), width: expect.any(Number), height: expect.any(Number) });

    const ask = await run(process.execPath, ['bin/mrag.js', 'ask', '--json', question], { env: childEnv });
    const answer = JSON.parse(ask.stdout) as Record<string, unknown>;
    expect(Object.keys(answer).slice(0, 2)).toEqual(['mode', 'level']);
    expect(answer).toMatchObject({ mode: 'llm', level: 2, text: 'The worker [1].' });
  });
});
