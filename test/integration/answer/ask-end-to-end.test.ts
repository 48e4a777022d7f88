/**
 * `mrag ask` end to end: a real index built by the real ingest on the tiny CLIP fixture,
 * the real answerer (knowledge base + Ollama pool + real `ollama` client) against the
 * stand-in, and the CLI as a child process, with the stand-in and with no Ollama at all.
 */
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { createAnswerer } from '../../../src/rag/answer/index.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import type { EvalReport } from '../../../src/rag/eval/run.js';
import type { Answer } from '../../../src/rag/types.js';
import { freePort } from '../../helpers/redis.js';
import { startOllamaStandIn, type OllamaStandIn } from '../../platforms/ollama-standin.js';

const run = promisify(execFile);
const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const MRAG = path.resolve('bin/mrag.js');
const logger = createLogger({ level: 'silent' });

let work: string;
let dataDir: string;
let standIn: OllamaStandIn;
let chartBytes: Buffer;

const env = (ollamaHost: string) => ({
  DATA_DIR: dataDir,
  EMBEDDING_MODEL: FIXTURE,
  OLLAMA_HOST: ollamaHost,
  OLLAMA_TIMEOUT_MS: '10000',
  OLLAMA_IDLE_TIMEOUT_MS: '2000',
  LOG_LEVEL: 'silent',
});

beforeAll(async () => {
  work = mkdtempSync(path.join(os.tmpdir(), 'mrag-ask-'));
  dataDir = path.join(work, 'data');
  const docs = path.join(work, 'docs');
  mkdirSync(docs, { recursive: true });
  chartBytes = await sharp({ create: { width: 48, height: 32, channels: 3, background: { r: 200, g: 30, b: 30 } } }).png().toBuffer();
  writeFileSync(path.join(docs, 'latency.png'), chartBytes);
  writeFileSync(
    path.join(docs, 'search.md'),
    [
      '# Search latency',
      '',
      '## Exact search',
      '',
      'Exact search over 100k vectors took 75 to 300 milliseconds on two cores.',
      '',
      '![Latency of exact search by index size](latency.png)',
      '',
      '## Approximate search',
      '',
      'An IVF-PQ index answered 100k vectors in about 4 milliseconds but took 135 seconds to build.',
    ].join('\n'),
  );
  await ingest([docs], { config: loadConfig(env('http://127.0.0.1:1')), logger });
  standIn = await startOllamaStandIn({ chat: () => ({ kind: 'reply', tokens: ['Exact search ', 'took 75–300 ms ', '[1] ', '(see [F1]).'] }) });
});

afterAll(async () => {
  await standIn?.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

describe('createAnswerer on a real index', () => {
  it('retrieves from the index, sends the figure image, and returns cited sources and figure files', async () => {
    const answerer = await createAnswerer({ config: loadConfig(env(standIn.url)), logger });
    try {
      expect(answerer.ollama?.ready).toEqual([standIn.url]);
      const tokens: string[] = [];
      const answer = await answerer.answer('How long does exact search take?', { onToken: (t) => tokens.push(t) });
      expect(answer.mode).toBe('llm');
      expect(tokens.join('')).toBe(answer.text);
      const request = standIn.chatRequests().at(-1)!;
      const user = request.messages!.at(-1)!;
      expect(user.content).toContain('Exact search over 100k vectors');
      expect(user.images).toEqual([chartBytes.toString('base64')]);
      expect(answer.sources[0]!.source).toMatch(/docs\/search\.md$/);
      expect(answer.figures).toHaveLength(1);
      expect(readFileSync(answer.figures[0]!.imagePath)).toEqual(chartBytes);
      expect(answer.figures[0]!.caption).toBe('Latency of exact search by index size');
    } finally {
      await answerer.close();
    }
  });
});

// Child processes spend most of their time starting up: run them side by side.
describe.concurrent('mrag ask (CLI)', () => {
  it('streams the answer, then lists sources and figure paths', async () => {
    const { stdout } = await run(process.execPath, [MRAG, 'ask', 'How long does exact search take?'], { env: { ...process.env, ...env(standIn.url) } });
    expect(stdout).toContain('Exact search took 75–300 ms [1] (see [F1]).');
    expect(stdout).toMatch(/Sources:\n {2}\[1\] Search latency › .*search\.md/);
    expect(stdout).toMatch(/Figures:\n {2}\[F1\] .*latency\.png/);
  });

  it('answers in retrieval-only mode with no Ollama at all (--json)', async () => {
    const port = await freePort();
    const { stdout } = await run(process.execPath, [MRAG, 'ask', 'How long does exact search take?', '--json'], {
      env: { ...process.env, ...env(`http://127.0.0.1:${port}`) },
    });
    const answer = JSON.parse(stdout) as Answer;
    expect(answer.mode).toBe('retrieval-only');
    expect(answer.text).toMatch(/^_Retrieval-only answer: the language model server is unreachable/);
    expect(answer.sources.length).toBeGreaterThan(0);
    expect(answer.text).toContain('milliseconds');
  });

  it('mrag eval --answers scores retrieval and the citations of generated answers', async () => {
    const questions = path.join(work, 'questions.jsonl');
    writeFileSync(
      questions,
      [
        JSON.stringify({ id: 'text', question: 'How fast is an IVF-PQ index?', sources: ['docs/search.md'] }),
        JSON.stringify({ id: 'figure', question: 'Show the latency chart', figures: ['latency.png'], answerableFrom: 'figure' }),
        JSON.stringify({ id: 'elsewhere', question: 'What is BM25?', sources: ['docs/other.md'] }),
      ].join('\n'),
    );
    const { stdout } = await run(process.execPath, [MRAG, 'eval', questions, '--answers', '--k', '3', '--json'], { env: { ...process.env, ...env(standIn.url) } });
    const report = JSON.parse(stdout) as EvalReport;
    expect(report.k).toBe(3);
    expect(report.text).toMatchObject({ evaluated: 2, recallAtK: 0.5, mrr: 0.5 });
    expect(report.figures).toMatchObject({ evaluated: 1, recallAtK: 1, mrr: 1 });
    // The stand-in's answer cites [1] and [F1]: both point into docs/search.md.
    expect(report.answers).toMatchObject({ evaluated: 3, llm: 3, citingExpected: 2 });
  });
});
