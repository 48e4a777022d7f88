/**
 * The Compose services as the same commands without Docker: a project directory with a
 * filled `.env` and the team's documents in `kb/`; `mrag worker`, `mrag bot` and the one-shot
 * `mrag ingest --prune ./kb` as separate CLI processes (configured by `.env` alone), the real
 * Redis, the Slack stand-in (Socket Mode) and the Ollama stand-in.
 *
 * First start, in the order Compose allows: the worker comes up before any index exists and
 * waits (alive, /readyz 503, a log line) instead of crash-looping; the bot accepts a question
 * at once; the ingest builds the index; the worker loads it and answers the queued question.
 * Then `mrag start` with the same `.env` starts Slack, not the terminal chat.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sample, scrape } from '../../helpers/prometheus.js';
import { cleanPrefix, freePort, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { startOllamaStandIn, type OllamaStandIn } from '../../platforms/ollama-standin.js';
import { eventCallback, mentionEvent } from '../../platforms/slack-standin-payloads.js';
import { SlackStandIn } from '../../platforms/slack-standin.js';

const MRAG = path.resolve('bin/mrag.js');
const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const ARTICLES = path.resolve('data/articles');
const BOT_TOKEN = ['xoxb', 'compose', 'bot', 'token'].join('-');
const APP_TOKEN = ['xapp', 'compose', 'app', 'token'].join('-');
const CHANNEL = 'CTEAM';

interface Proc {
  child: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
}

const project = mkdtempSync(path.join(os.tmpdir(), 'mrag-compose-'));
const prefix = uniquePrefix('compose');
const running: Proc[] = [];
let slack: SlackStandIn;
let ollama: OllamaStandIn;
let ports: { bot: number; worker: number };

/** Run `mrag <args>` in the project directory with nothing but PATH and HOME in its environment: `.env` configures it. */
function mrag(...args: string[]): Proc {
  const child = spawn(process.execPath, [MRAG, ...args], { cwd: project, env: { PATH: process.env.PATH, HOME: process.env.HOME }, stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const proc = { child, output: () => output, exited };
  running.push(proc);
  return proc;
}

async function stop(proc: Proc): Promise<number | null> {
  if (proc.child.exitCode === null && proc.child.signalCode === null) proc.child.kill('SIGTERM');
  return await proc.exited;
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, procs: Proc[], timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    for (const p of procs) {
      if (p.child.exitCode !== null) throw new Error(`${what}: a process exited (${p.child.exitCode}):\n${p.output()}`);
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}:\n${procs.map((p) => p.output()).join('\n---\n')}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function readyz(port: number): Promise<{ status: number; body: { ready: boolean; checks: Record<string, { ok: boolean; detail: string }> } }> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  return { status: res.status, body: (await res.json()) as { ready: boolean; checks: Record<string, { ok: boolean; detail: string }> } };
}

async function mention(text: string): Promise<string> {
  const ts = slack.nextTs();
  slack.addMessage(CHANNEL, { ts, user: 'UTEAMMATE', text });
  await slack.sendEnvelope('events_api', eventCallback(slack, mentionEvent({ channel: CHANNEL, user: 'UTEAMMATE', text: `<@${slack.botUserId}> ${text}`, ts })));
  return ts;
}

const finalAnswer = (ts: string) => async () => {
  const placeholder = slack.messages.get(CHANNEL)?.find((m) => m.thread_ts === ts && m.bot_id === slack.botId);
  if (!placeholder) return undefined;
  const final = slack.callsTo('chat.update').find((c) => c.args.ts === placeholder.ts && Array.isArray(c.args.blocks) && (c.args.blocks as unknown[]).length > 0);
  return final ? String(final.args.text) : undefined;
};

beforeAll(async () => {
  slack = await SlackStandIn.start({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
  ollama = await startOllamaStandIn({ chat: () => ({ kind: 'reply', tokens: ['Mention the bot ', 'and the worker answers in the thread [1].'] }) });
  ports = { bot: await freePort(), worker: await freePort() };
  mkdirSync(path.join(project, 'kb'));
  cpSync(ARTICLES, path.join(project, 'kb'), { recursive: true });
  // The .env a team fills in from .env.example (relative paths, as there).
  writeFileSync(
    path.join(project, '.env'),
    [
      '# filled in from .env.example',
      `REDIS_URL=${TEST_REDIS_URL}`,
      `REDIS_PREFIX=${prefix}`,
      `OLLAMA_HOST=${ollama.url}`,
      'OLLAMA_TIMEOUT_MS=20000',
      `EMBEDDING_MODEL=${FIXTURE}`,
      'DATA_DIR=./data',
      'KB_DIR=./kb',
      'HTTP_HOST=127.0.0.1',
      `HTTP_PORT=${ports.bot}`,
      `WORKER_HTTP_PORT=${ports.worker}`,
      `SLACK_BOT_TOKEN=${BOT_TOKEN}`,
      `SLACK_APP_TOKEN=${APP_TOKEN}`,
      `SLACK_API_URL=${slack.apiUrl}`,
      // These tests follow the placeholder + chat.update flow; native streaming has its own tests.
      'SLACK_NATIVE_STREAMING=false',
      'REPLY_EDIT_INTERVAL_MS=200',
      'WORKER_SHUTDOWN_TIMEOUT_MS=2000',
      'OCR_ENABLED=false',
      'LOG_LEVEL=info',
      '',
    ].join('\n'),
  );
});

afterAll(async () => {
  for (const proc of running) await stop(proc);
  await ollama?.close();
  await slack?.close();
  await cleanPrefix(TEST_REDIS_URL, prefix);
  rmSync(project, { recursive: true, force: true });
});

describe('the Compose services as processes, configured by .env', () => {
  it('answer a question on first start: worker waits for the index, bot queues the question, ingest builds the index, the worker answers', { timeout: 240_000 }, async () => {
    // 1. The worker starts before any index exists: it stays up and says why it is not ready.
    const worker = mrag('worker');
    const waiting = await until('the worker to report the missing index', async () => {
      const r = await readyz(ports.worker);
      return r.status === 503 && r.body.checks.index?.ok === false ? r : undefined;
    }, [worker]);
    expect(waiting.body.checks.index!.detail).toContain('waiting for it');
    expect(waiting.body.checks.redis!.ok).toBe(true);
    expect(worker.output()).toContain('no index yet: waiting for it');
    expect((await fetch(`http://127.0.0.1:${ports.worker}/healthz`)).status).toBe(200);

    // 2. The bot connects to Slack (tokens from .env) and accepts a question right away.
    const bot = mrag('bot');
    const botReady = await until('the bot to be ready', async () => {
      const r = await readyz(ports.bot);
      return r.status === 200 ? r : undefined;
    }, [bot, worker]);
    expect(Object.keys(botReady.body.checks).sort()).toEqual(['platform:slack', 'redis']);
    const question = await mention('How do I ask the bot a question?');
    await until('the placeholder', async () => slack.messages.get(CHANNEL)?.find((m) => m.bot_id === slack.botId), [bot]);
    expect(worker.child.exitCode).toBeNull();

    // 3. The one-shot ingest of KB_DIR (what the Compose ingest service runs).
    const ingest = mrag('ingest', '--prune', './kb');
    const code = await ingest.exited;
    expect(code, ingest.output()).toBe(0);
    const added = /documents: (\d+) added, 0 updated, 0 unchanged, 0 failed, \d+ skipped \((\d+) in the index\)/.exec(ingest.output());
    expect(added, ingest.output()).not.toBeNull();
    const documents = Number(added![1]);
    expect(documents).toBeGreaterThanOrEqual(4); // the four shipped articles (and whatever else the ingest counts as a document)
    expect(Number(added![2])).toBe(documents);
    expect(ingest.output()).toContain('index write lock held in Redis');

    // 4. The worker loads the index and answers the question that waited in the queue.
    const answer = await until('the answer', finalAnswer(question), [worker, bot]);
    expect(answer).toContain('Mention the bot and the worker answers in the thread');
    const workerReady = await readyz(ports.worker);
    expect(workerReady.status).toBe(200);
    expect(workerReady.body.checks.index!.detail).toMatch(/^generation \d+, model /);

    // 5. Every process serves /healthz, /readyz and /metrics; the counts line up across them.
    for (const port of [ports.bot, ports.worker]) expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    const botMetrics = await scrape(`http://127.0.0.1:${ports.bot}`);
    expect(sample(botMetrics, 'mrag_questions_received_total', { platform: 'slack' })).toBe(1);
    const workerMetrics = await until('the worker to count the answer', async () => {
      const text = await scrape(`http://127.0.0.1:${ports.worker}`);
      return sample(text, 'mrag_questions_answered_total', { platform: 'slack', mode: 'llm' }) === 1 ? text : undefined;
    }, [worker]);
    expect(sample(workerMetrics, 'mrag_stage_duration_seconds_count', { stage: 'generate' })).toBe(1);
    // The one-shot ingest recorded its run in Redis: both long-running processes report it.
    for (const text of [botMetrics, workerMetrics]) {
      expect(sample(text, 'mrag_ingest_last_documents', { outcome: 'added' })).toBe(documents);
      expect(sample(text, 'mrag_index_documents')).toBe(documents);
    }

    // A re-run with unchanged documents (the next `docker compose up`) changes nothing.
    const again = mrag('ingest', '--prune', './kb');
    expect(await again.exited, again.output()).toBe(0);
    expect(again.output()).toContain(`documents: 0 added, 0 updated, ${documents} unchanged, 0 failed, 0 skipped (${documents} in the index)`);

    expect(await stop(bot)).toBe(0);
    expect(await stop(worker)).toBe(0);
  });

  it('`mrag start` with Slack tokens in .env starts Slack, not the terminal chat', { timeout: 180_000 }, async () => {
    const connectionsBefore = slack.callsTo('apps.connections.open').length;
    const start = mrag('start');
    const ready = await until('mrag start to be ready', async () => {
      const r = await readyz(ports.bot);
      return r.status === 200 ? r : undefined;
    }, [start]);
    expect(ready.body.checks['platform:slack']!.ok).toBe(true);
    expect(slack.callsTo('apps.connections.open').length).toBe(connectionsBefore + 1);
    expect(slack.callsTo('apps.connections.open').at(-1)!.token).toBe(APP_TOKEN);

    const question = await mention('Where do the answers go?');
    const answer = await until('the answer from mrag start', finalAnswer(question), [start]);
    expect(answer).toContain('the worker answers in the thread');
    // No terminal chat: nothing was printed to stdout for a person at a prompt.
    expect(start.output()).not.toContain('Ask a question');
    expect(start.output()).toMatch(/"platforms":\[[^\]]*"slack"/); // beside the web chat, which `mrag start` always serves
    expect(await stop(start)).toBe(0);
  });
});
