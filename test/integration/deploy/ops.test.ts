/**
 * Operations of a running process, in-process with nothing of ours replaced: `startApp` with
 * the real Slack adapter (Bolt on the Slack stand-in, Socket Mode), the real queue, the real
 * answer pipeline on an index built by the real ingest (tiny CLIP fixture) and the real
 * `ollama` client against the Ollama stand-in. Asserts /healthz, /readyz, /metrics after
 * real questions, the queue dashboard behind ADMIN_TOKEN, and a worker that waits for its
 * index instead of exiting.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Fastify from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../../src/app/app.js';
import { createOperations } from '../../../src/app/ops/index.js';
import { createMetrics } from '../../../src/metrics.js';
import { loadConfig, type Config } from '../../../src/config/env.js';
import { closeRedisConnection, createRedisConnection } from '../../../src/queue/redis.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import { captureLogger } from '../../helpers/log-capture.js';
import { sample, scrape } from '../../helpers/prometheus.js';
import { cleanPrefix, freePort, startPrivateRedis, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { startOllamaStandIn, type OllamaStandIn } from '../../platforms/ollama-standin.js';
import { eventCallback, mentionEvent } from '../../platforms/slack-standin-payloads.js';
import { SlackStandIn } from '../../platforms/slack-standin.js';

const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const DOC = path.resolve('data/articles/how-mrag-bot-works.md');
const BOT_TOKEN = ['xoxb', 'ops', 'test', 'bot', 'token'].join('-');
const APP_TOKEN = ['xapp', 'ops', 'test', 'app', 'token'].join('-');
const ADMIN_TOKEN = ['admin', 'token', 'for', 'the', 'dashboard'].join('-');
const CHANNEL = 'COPS';

const { logger } = captureLogger(process.env.TEST_LOG_LEVEL ?? 'silent');
const work = mkdtempSync(path.join(os.tmpdir(), 'mrag-ops-'));
const prefixes: string[] = [];
let slack: SlackStandIn;
let ollama: OllamaStandIn;
let config: Config;
let app: RunningApp;

function testConfig(env: Record<string, string>): Config {
  const prefix = uniquePrefix('ops');
  prefixes.push(prefix);
  return loadConfig({
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: prefix,
    HTTP_PORT: '0',
    EMBEDDING_MODEL: FIXTURE,
    OLLAMA_HOST: ollama.url,
    OLLAMA_TIMEOUT_MS: '15000',
    REPLY_EDIT_INTERVAL_MS: '100',
    RATE_LIMIT_USER_PER_MINUTE: '100',
    ...env,
  });
}

beforeAll(async () => {
  slack = await SlackStandIn.start({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
  ollama = await startOllamaStandIn({ chat: () => ({ kind: 'reply', tokens: ['The worker ', 'replies over REST [1].'] }) });
  config = testConfig({
    DATA_DIR: path.join(work, 'data'),
    ADMIN_TOKEN,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_APP_TOKEN: APP_TOKEN,
    SLACK_API_URL: slack.apiUrl,
    // The metrics are asserted on the placeholder + chat.update flow; native streaming has its own tests.
    SLACK_NATIVE_STREAMING: 'false',
  });
  await ingest([DOC], { config, logger });
  app = await startApp({ config, logger, worker: true, bots: true, local: false });
});

afterAll(async () => {
  await app?.stop();
  await ollama?.close();
  await slack?.close?.();
  for (const prefix of prefixes) await cleanPrefix(TEST_REDIS_URL, prefix);
  rmSync(work, { recursive: true, force: true });
});

async function ask(text: string): Promise<string> {
  const ts = slack.nextTs();
  slack.addMessage(CHANNEL, { ts, user: 'UASKER', text });
  await slack.sendEnvelope('events_api', eventCallback(slack, mentionEvent({ channel: CHANNEL, user: 'UASKER', text: `<@${slack.botUserId}> ${text}`, ts })));
  const placeholder = await slack.waitFor(() => slack.messages.get(CHANNEL)!.find((m) => m.thread_ts === ts && m.bot_id === slack.botId), 15_000, 'placeholder');
  const placeholderTs = placeholder.ts;
  const final = await slack.waitFor(
    () => slack.callsTo('chat.update').find((c) => c.args.ts === placeholderTs && Array.isArray(c.args.blocks) && (c.args.blocks as unknown[]).length > 0),
    30_000,
    'final answer',
  );
  return String(final.args.text);
}

describe('a running bot + worker process', () => {
  it('serves /healthz, and /readyz with every check passing: Redis, index, model level, the LLM, the Slack connection', async () => {
    const health = await fetch(`${app.httpUrl}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${app.httpUrl}/readyz`);
    const body = (await ready.json()) as { ready: boolean; checks: Record<string, { ok: boolean; detail: string }> };
    expect(ready.status).toBe(200);
    expect(body.ready).toBe(true);
    expect(Object.keys(body.checks).sort()).toEqual(['index', 'llm', 'model', 'platform:slack', 'redis']);
    expect(body.checks.index!.detail).toMatch(/^generation \d+, model /);
    expect(body.checks.model!.detail).toBe(`level 3: embedding model ${FIXTURE} loaded`);
    expect(body.checks.llm!.detail).toMatch(/^llama3\.2-vision on http:\/\/127\.0\.0\.1:\d+$/);
  });

  it('counts a question from arrival to answer in /metrics: received, answered by platform and mode, stage latencies, queue depth', async () => {
    const before = await scrape(app.httpUrl!);
    const text = await ask('How does the worker reply?');
    expect(text).toContain('The worker replies over REST');
    // The count lands when reply.finish has returned (after the final edit and the uploads),
    // the job's `completed` state when the attempt has returned to BullMQ.
    const after = await scrapeUntil(
      (t) =>
        sample(t, 'mrag_questions_answered_total', { platform: 'slack', mode: 'llm' }) !== sample(before, 'mrag_questions_answered_total', { platform: 'slack', mode: 'llm' }) &&
        (sample(t, 'mrag_queue_jobs', { state: 'completed' }) ?? 0) >= 1,
    );
    const delta = (name: string, labels: Record<string, string> = {}) => (sample(after, name, labels) ?? 0) - (sample(before, name, labels) ?? 0);
    expect(delta('mrag_questions_received_total', { platform: 'slack' })).toBe(1);
    expect(delta('mrag_questions_answered_total', { platform: 'slack', mode: 'llm' })).toBe(1);
    for (const stage of ['queue_wait', 'retrieve', 'generate', 'post', 'total']) {
      expect(delta('mrag_stage_duration_seconds_count', { stage }), stage).toBe(1);
    }
    expect(sample(after, 'mrag_queue_jobs', { state: 'completed' })).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'mrag_queue_jobs', { state: 'wait' })).toBe(0);
    expect(sample(after, 'mrag_index_generation')).toBeGreaterThanOrEqual(1);
    expect(sample(after, 'process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('counts LLM failures by kind when an answer falls back to retrieval-only', async () => {
    const before = await scrape(app.httpUrl!);
    ollama.setChat(() => ({ kind: 'error', status: 500, error: 'llama runner process has terminated' }));
    try {
      const text = await ask('What does the bot do when the model crashes?');
      expect(text).toContain('Retrieval-only answer');
    } finally {
      ollama.setChat(() => ({ kind: 'reply', tokens: ['The worker ', 'replies over REST [1].'] }));
    }
    const after = await scrapeUntil((t) => sample(t, 'mrag_questions_answered_total', { platform: 'slack', mode: 'retrieval-only' }) !== sample(before, 'mrag_questions_answered_total', { platform: 'slack', mode: 'retrieval-only' }));
    expect((sample(after, 'mrag_llm_failures_total', { kind: 'server-error' }) ?? 0) - (sample(before, 'mrag_llm_failures_total', { kind: 'server-error' }) ?? 0)).toBe(1);
    expect((sample(after, 'mrag_questions_answered_total', { platform: 'slack', mode: 'retrieval-only' }) ?? 0) - (sample(before, 'mrag_questions_answered_total', { platform: 'slack', mode: 'retrieval-only' }) ?? 0)).toBe(1);
  });

  it('serves the queue dashboard at /admin/queues only with ADMIN_TOKEN (Bearer, or Basic auth as a browser sends it)', async () => {
    const anonymous = await fetch(`${app.httpUrl}/admin/queues`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toContain('Basic');
    const wrong = await fetch(`${app.httpUrl}/admin/queues`, { headers: { authorization: 'Bearer not-the-admin-token-at-all' } });
    expect(wrong.status).toBe(401);
    const bearer = await fetch(`${app.httpUrl}/admin/queues`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(bearer.status).toBe(200);
    expect(await bearer.text()).toContain('<div id="root">');
    const basic = `Basic ${Buffer.from(`admin:${ADMIN_TOKEN}`).toString('base64')}`;
    const api = await fetch(`${app.httpUrl}/admin/queues/api/queues`, { headers: { authorization: basic } });
    expect(api.status).toBe(200);
    const queues = (await api.json()) as { queues: { name: string; counts: Record<string, number> }[] };
    expect(queues.queues.map((q) => q.name)).toEqual(['ask']);
    expect(queues.queues[0]!.counts.completed).toBeGreaterThanOrEqual(2);
    // The health routes stay open: orchestrators and scrapers carry no token.
    expect((await fetch(`${app.httpUrl}/metrics`)).status).toBe(200);
  });
});

describe('readiness failures', () => {
  it('has no dashboard route without ADMIN_TOKEN', async () => {
    const cfg = testConfig({ DATA_DIR: path.join(work, 'none') });
    const connection = createRedisConnection(cfg.redis.url, { logger });
    await connection.ping();
    const server = Fastify();
    const ops = createOperations({ config: cfg, logger, connection, worker: false, metrics: createMetrics() });
    await ops.register(server);
    expect((await server.inject({ url: '/admin/queues' })).statusCode).toBe(404);
    expect((await server.inject({ url: '/readyz' })).statusCode).toBe(200);
    await ops.close();
    await server.close();
    await closeRedisConnection(connection);
  });

  it('reports a stopped Redis and a disconnected platform as 503 with the failing checks', async () => {
    const redis = await startPrivateRedis();
    const cfg = loadConfig({ REDIS_URL: redis.url, DATA_DIR: path.join(work, 'none') });
    const connection = createRedisConnection(cfg.redis.url, { logger });
    await connection.ping();
    const server = Fastify();
    const ops = createOperations({ config: cfg, logger, connection, worker: false, metrics: createMetrics() });
    await ops.register(server);
    let connected = true;
    ops.adapterStarted('discord', { stop: async () => undefined, health: () => (connected ? { ok: true } : { ok: false, detail: 'gateway closed (4014): enable the Message Content intent' }) });
    expect((await server.inject({ url: '/readyz' })).statusCode).toBe(200);

    connected = false;
    await redis.stop();
    const res = await server.inject({ url: '/readyz' });
    expect(res.statusCode).toBe(503);
    const body = res.json<{ ready: boolean; checks: Record<string, { ok: boolean; detail: string }> }>();
    expect(body.ready).toBe(false);
    expect(body.checks.redis!.ok).toBe(false);
    expect(body.checks.redis!.detail).toContain('check REDIS_URL');
    expect(body.checks['platform:discord']).toEqual({ ok: false, detail: 'gateway closed (4014): enable the Message Content intent' });
    // /metrics still answers with Redis down: the queue gauges are left out, not an error.
    const metrics = await server.inject({ url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(sample(metrics.body, 'mrag_queue_jobs', { state: 'wait' })).toBeUndefined();
    await ops.close();
    await server.close();
    await closeRedisConnection(connection);
  });
});

describe('a worker started before its index exists', () => {
  it('waits (alive, /readyz 503 "waiting for the index") instead of exiting, and is ready once an ingest commits', async () => {
    const port = await freePort();
    const { logger: workerLogger, messages } = captureLogger('info');
    const cfg = testConfig({ DATA_DIR: path.join(work, 'later'), WORKER_HTTP_PORT: String(port), HTTP_HOST: '127.0.0.1' });
    const base = `http://127.0.0.1:${port}`;
    const starting = startApp({ config: cfg, logger: workerLogger, worker: true, bots: false, local: false });
    let started: RunningApp | undefined;
    void starting.then((a) => (started = a));
    try {
      const waiting = await pollJson(`${base}/readyz`, (r) => r.status === 503 && JSON.stringify(r.body).includes('waiting for it'));
      expect((waiting.body as { checks: Record<string, { ok: boolean }> }).checks.redis!.ok).toBe(true);
      expect((await fetch(`${base}/healthz`)).status).toBe(200);
      expect(messages().some((m) => m.startsWith('no index yet: waiting for it'))).toBe(true);
      expect(started).toBeUndefined();

      await ingest([DOC], { config: cfg, logger });
      const app2 = await starting;
      const ready = await pollJson(`${base}/readyz`, (r) => r.status === 200);
      expect((ready.body as { ready: boolean }).ready).toBe(true);
      await app2.stop();
    } finally {
      await (await starting.catch(() => undefined))?.stop();
    }
  });
});

async function scrapeUntil(until: (text: string) => boolean, timeoutMs = 15_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await scrape(app.httpUrl!);
    if (until(text)) return text;
    if (Date.now() > deadline) throw new Error('timed out waiting for the metrics');
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function pollJson(url: string, until: (r: { status: number; body: unknown }) => boolean, timeoutMs = 30_000): Promise<{ status: number; body: unknown }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url);
      const r = { status: res.status, body: (await res.json()) as unknown };
      if (until(r)) return r;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`timed out polling ${url}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
