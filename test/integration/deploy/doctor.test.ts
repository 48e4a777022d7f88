/**
 * `mrag doctor` against real servers and the platform stand-ins: a healthy set-up passes;
 * each broken piece is one ✗ (or ⚠) line with its fix; the exit code says whether anything
 * required is broken. The stopped-Redis / missing-model case runs the real CLI with a `.env`.
 */
import { execFile } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatLine, runDoctor, type DoctorLine } from '../../../src/cli/doctor/index.js';
import { loadConfig } from '../../../src/config/env.js';
import { ingest } from '../../../src/rag/ingest/ingest.js';
import { captureLogger } from '../../helpers/log-capture.js';
import { startPrivateRedis, type PrivateRedis } from '../../helpers/redis.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../platforms/discord-standin.js';
import { startOllamaStandIn, type OllamaStandIn } from '../../platforms/ollama-standin.js';
import { SlackStandIn } from '../../platforms/slack-standin.js';

const run = promisify(execFile);
const FIXTURE = path.resolve('test/fixtures/clip-tiny');
const BOT_TOKEN = ['xoxb', 'doctor', 'bot', 'token'].join('-');
const APP_TOKEN = ['xapp', 'doctor', 'app', 'token'].join('-');
const work = mkdtempSync(path.join(os.tmpdir(), 'mrag-doctor-'));
const dataDir = path.join(work, 'data');
const kbDir = path.join(work, 'kb');
let redis: PrivateRedis;
let ollama: OllamaStandIn;
let discord: DiscordStandIn;
let slack: SlackStandIn;

beforeAll(async () => {
  redis = await startPrivateRedis();
  ollama = await startOllamaStandIn({ models: ['llama3.2-vision', 'llama3.2'], capabilities: { 'llama3.2': ['completion'] } });
  discord = await startDiscordStandIn();
  slack = await SlackStandIn.start({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
  mkdirSync(kbDir);
  const { logger } = captureLogger('silent');
  await ingest([path.resolve('data/articles/how-mrag-bot-works.md')], { config: loadConfig({ DATA_DIR: dataDir, EMBEDDING_MODEL: FIXTURE, REDIS_URL: redis.url }), logger });
});

afterAll(async () => {
  await redis?.stop();
  await ollama?.close();
  await discord?.stop();
  await slack?.close();
  rmSync(work, { recursive: true, force: true });
});

function healthyEnv(): Record<string, string> {
  return {
    REDIS_URL: redis.url,
    OLLAMA_HOST: ollama.url,
    EMBEDDING_MODEL: FIXTURE,
    DATA_DIR: dataDir,
    KB_DIR: kbDir,
    DISCORD_TOKEN: discord.token,
    DISCORD_API_URL: discord.apiUrl,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    SLACK_APP_TOKEN: APP_TOKEN,
    SLACK_API_URL: slack.apiUrl,
  };
}

const doctor = (env: Record<string, string>) => runDoctor({ env, cwd: work, timeoutMs: 3000 });
const line = (lines: DoctorLine[], check: string) => lines.find((l) => l.check === check);

describe('mrag doctor', () => {
  it('passes a healthy set-up, with one line per check saying what it found', async () => {
    const { lines, exitCode } = await doctor(healthyEnv());
    expect(lines.filter((l) => l.status === 'fail').map(formatLine)).toEqual([]);
    expect(exitCode).toBe(0);
    expect(line(lines, 'configuration')?.detail).toContain('platforms: discord, slack (Socket Mode)');
    expect(line(lines, 'Redis')?.detail).toMatch(/^\d+\.\d+\.\d+ at 127\.0\.0\.1:\d+$/);
    expect(line(lines, 'Redis eviction policy')).toMatchObject({ status: 'ok', detail: 'noeviction' });
    expect(line(lines, 'Redis persistence')).toMatchObject({ status: 'ok', detail: 'append-only file (appendonly yes)' });
    expect(line(lines, 'Ollama model')).toMatchObject({ status: 'ok', detail: `llama3.2-vision on ${ollama.url} (vision)` });
    expect(line(lines, 'embedding model')?.detail).toBe(`${FIXTURE} loads (32-d): level 3, multimodal retrieval`);
    expect(line(lines, 'index')?.detail).toMatch(/^generation \d+ \(updated .+\), 1 documents, [1-9]\d* chunks, \d+ figures, [\d.]+ (KB|MB) on disk$/);
    expect(line(lines, 'index model')?.status).toBe('ok');
    expect(line(lines, 'Discord')?.detail).toBe(`token accepted: logged in as mrag (${discord.botUser.id})`);
    expect(line(lines, 'Discord intents')?.status).toBe('warn'); // the stand-in's application has no intent flags
    expect(line(lines, 'Slack')?.detail).toBe('bot token accepted: mrag in workspace Stand-in');
    expect(line(lines, 'Slack Socket Mode')?.status).toBe('ok');
    expect(discord.calls.some((c) => c.method === 'GET' && c.path === '/users/@me' && c.authorized)).toBe(true);
  });

  it('reports a stopped Redis and a missing Ollama model with their fixes, exit code 1 (the CLI, configured by .env)', async () => {
    const stopped = await startPrivateRedis();
    await stopped.stop();
    const empty = await startOllamaStandIn({ models: [] });
    const cwd = path.join(work, 'cli');
    mkdirSync(cwd);
    writeFileSync(path.join(cwd, '.env'), `REDIS_URL=${stopped.url}\nOLLAMA_HOST=${empty.url}\nEMBEDDING_MODEL=${FIXTURE}\nDATA_DIR=${dataDir}\nKB_DIR=${kbDir}\n`);
    try {
      const result = await run(process.execPath, [path.resolve('bin/mrag.js'), 'doctor', '--timeout-ms', '3000'], { cwd, env: { PATH: process.env.PATH, HOME: process.env.HOME } }).then(
        (r) => ({ ...r, code: 0 }),
        (err: { stdout: string; stderr: string; code: number }) => err,
      );
      const out = result.stdout.split('\n');
      expect(result.code).toBe(1);
      expect(out).toContain(`✗ Redis: cannot connect to 127.0.0.1:${stopped.port} (connect ECONNREFUSED 127.0.0.1:${stopped.port}) → fix: start Redis (\`docker compose up -d redis\`, \`sudo systemctl start redis-server\`, or \`redis-server\`) or set REDIS_URL to a running one`);
      expect(out).toContain(`✗ Ollama model: llama3.2-vision is not on ${empty.url} → fix: \`ollama pull llama3.2-vision\` on that host (Compose: \`docker compose exec ollama ollama pull llama3.2-vision\`), or OLLAMA_AUTO_PULL=true`);
      expect(out).toContain(`✓ Ollama: reachable at ${empty.url}`);
      expect(out.some((l) => l.startsWith('✓ index: generation '))).toBe(true);
      expect(out.at(-2)).toBe('Something required is broken: see the ✗ lines above.');
      expect(empty.requests.some((r) => r.path === '/api/show')).toBe(true);
    } finally {
      await empty.close();
    }
  });

  it('fails a Redis that may evict queue keys, and warns about one that does not persist', async () => {
    const client = new Redis(redis.url);
    await client.config('SET', 'maxmemory-policy', 'allkeys-lru');
    await client.config('SET', 'appendonly', 'no');
    try {
      const { lines, exitCode } = await doctor(healthyEnv());
      expect(exitCode).toBe(1);
      expect(line(lines, 'Redis eviction policy')).toMatchObject({ status: 'fail', detail: 'allkeys-lru: Redis may evict queued questions and job locks under memory pressure' });
      expect(line(lines, 'Redis eviction policy')?.fix).toContain('maxmemory-policy noeviction');
      expect(line(lines, 'Redis persistence')?.status).toBe('warn');
      expect(line(lines, 'Redis persistence')?.fix).toContain('--appendonly yes');
    } finally {
      await client.config('SET', 'maxmemory-policy', 'noeviction');
      await client.config('SET', 'appendonly', 'yes');
      client.disconnect();
    }
  });

  it('fails a text-only model at a level that sends it figures, and accepts it at level 1', async () => {
    const textOnly = await doctor({ ...healthyEnv(), OLLAMA_MODEL: 'llama3.2' });
    expect(line(textOnly.lines, 'Ollama model')).toMatchObject({ status: 'fail' });
    expect(line(textOnly.lines, 'Ollama model')?.detail).toContain('cannot see images (capabilities: completion)');
    expect(line(textOnly.lines, 'Ollama model')?.fix).toContain('RETRIEVAL_LEVEL=1');
    const level1 = await doctor({ ...healthyEnv(), OLLAMA_MODEL: 'llama3.2', RETRIEVAL_LEVEL: '1' });
    expect(line(level1.lines, 'Ollama model')).toMatchObject({ status: 'ok', detail: `llama3.2 on ${ollama.url} (level 1: figures reach it as text)` });
  });

  it('reports rejected Discord and Slack credentials with where to get new ones, never printing a token', async () => {
    const wrongDiscord = 'MTAwMDAwMDAwMDAwMDAwMDAw.wrong.definitely-not-the-token';
    const wrongBot = ['xoxb', 'wrong', 'bot', 'token'].join('-');
    const wrongApp = ['xapp', 'wrong', 'app', 'token'].join('-');
    const bad = await doctor({ ...healthyEnv(), DISCORD_TOKEN: wrongDiscord, SLACK_BOT_TOKEN: wrongBot });
    expect(line(bad.lines, 'Discord')).toMatchObject({ status: 'fail', detail: 'DISCORD_TOKEN was rejected (401 Unauthorized)' });
    expect(line(bad.lines, 'Discord')?.fix).toContain('Reset Token');
    expect(line(bad.lines, 'Slack')).toMatchObject({ status: 'fail', detail: 'SLACK_BOT_TOKEN was rejected (invalid_auth)' });
    const badApp = await doctor({ ...healthyEnv(), SLACK_APP_TOKEN: wrongApp });
    expect(line(badApp.lines, 'Slack Socket Mode')).toMatchObject({ status: 'fail', detail: 'SLACK_APP_TOKEN was rejected (invalid_auth)' });
    expect(badApp.lines.find((l) => l.check === 'Slack Socket Mode')?.fix).toContain('connections:write');
    const printed = [...bad.lines, ...badApp.lines].map(formatLine).join('\n');
    for (const secret of [wrongDiscord, wrongBot, wrongApp, BOT_TOKEN, APP_TOKEN, discord.token]) expect(printed).not.toContain(secret);
  });

  it('reports every malformed variable, and still checks the rest with defaults for them', async () => {
    const { lines, exitCode } = await doctor({ ...healthyEnv(), REDIS_URL: 'localhost:6379', HTTP_PORT: 'eighty' });
    expect(exitCode).toBe(1);
    const config = lines.filter((l) => l.check === 'configuration');
    expect(config.map((l) => l.status)).toEqual(['fail', 'fail']);
    expect(config[0]!.detail).toContain('REDIS_URL must be a redis:// or rediss:// URL');
    expect(config[1]!.detail).toContain('HTTP_PORT must be a whole number');
    expect(config[1]!.fix).toContain('correct HTTP_PORT');
    expect(line(lines, 'Ollama model')?.status).toBe('ok'); // the other checks ran
  });

  it('fails an index built with another embedding model, and a missing index', async () => {
    // Under auto the bot would refuse this index as soon as the model loads: a failure.
    const other = await doctor({ ...healthyEnv(), EMBEDDING_MODEL: 'Xenova/clip-vit-large-patch14', RETRIEVAL_LEVEL: 'auto' });
    expect(line(other.lines, 'index model')?.status).toBe('fail');
    expect(line(other.lines, 'index model')?.fix).toContain('--rebuild');
    // At level 2 the vectors are unused: a warning with the same fix.
    const textOnly = await doctor({ ...healthyEnv(), EMBEDDING_MODEL: 'Xenova/clip-vit-large-patch14', RETRIEVAL_LEVEL: '2' });
    expect(line(textOnly.lines, 'index model')).toMatchObject({ status: 'warn' });
    expect(line(textOnly.lines, 'index model')?.fix).toContain('--rebuild');
    const none = await doctor({ ...healthyEnv(), DATA_DIR: path.join(work, 'empty-data') });
    expect(line(none.lines, 'index')).toMatchObject({ status: 'fail' });
    expect(line(none.lines, 'index')?.fix).toContain('docker compose run --rm ingest');
  });

  it('fails an index of an older layout with the rebuild to run', async () => {
    const old = path.join(work, 'old-layout-data');
    cpSync(dataDir, old, { recursive: true });
    const metaFile = path.join(old, 'index', 'meta.json');
    writeFileSync(metaFile, JSON.stringify({ ...(JSON.parse(readFileSync(metaFile, 'utf8')) as object), schemaVersion: 2 }));
    const report = await doctor({ ...healthyEnv(), DATA_DIR: old });
    expect(line(report.lines, 'index')).toMatchObject({ status: 'fail' });
    expect(line(report.lines, 'index')?.detail).toContain('built by an older mrag-bot');
    expect(line(report.lines, 'index')?.fix).toContain('mrag ingest --rebuild');
  });
});
