import { existsSync, mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { PassThrough } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { startApp } from '../../../src/app/app.js';
import { ensureRedis, REDIS_MISSING_MESSAGE } from '../../../src/app/local-redis.js';
import { loadConfig } from '../../../src/config/env.js';
import { UserFacingError } from '../../../src/errors.js';
import { closeRedisConnection, createRedisConnection } from '../../../src/queue/redis.js';
import { waitFor } from '../../helpers/recording-platform.js';
import { cleanPrefix, freePort } from '../../helpers/redis.js';
import { createStubAnswerer } from '../../helpers/stub-answerer.js';
import { logger, testConfig } from './harness.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

describe('mrag chat (composition)', () => {
  it('answers in a terminal chat through the queue and keeps context for follow-ups', async () => {
    const config = testConfig();
    cleanups.push(() => cleanPrefix(config.redis.url, config.redis.prefix));
    const answerer = createStubAnswerer();
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (d: Buffer) => (printed += d.toString()));
    let kbEnsured = false;
    const app = await startApp({
      config,
      logger,
      worker: true,
      bots: true,
      local: true,
      chat: true,
      chatInput: input,
      chatOutput: output,
      createAnswerer: async () => ({ ...answerer, answer: answerer.answer, close: async () => undefined }),
      ensureKnowledgeBase: async () => void (kbEnsured = true),
    });
    cleanups.push(() => app.stop());
    expect(kbEnsured).toBe(true);

    input.write('What is CLIP?\n');
    await waitFor(() => printed.includes('Answer to: What is CLIP?'));
    input.write('\n/new-ish is not a command\n');
    input.write('And the image encoder?\n');
    await waitFor(() => printed.includes('Answer to: And the image encoder?'));
    input.write('/exit\n');
    await app.finished;

    expect(printed).toContain('[1] Doc › Intro (data/doc.md)');
    // The terminal chat serves no HTTP (a `mrag start` may be using HTTP_PORT already).
    expect(app.httpUrl).toBeUndefined();
    const follow = answerer.calls.find((c) => c.question === 'And the image encoder?')!;
    expect(follow.history.map((t) => t.question)).toEqual(['What is CLIP?', '/new-ish is not a command']);
  });

  it('stops what it started when a piece is missing at start-up', async () => {
    const config = testConfig();
    const connection = createRedisConnection(config.redis.url);
    cleanups.push(() => closeRedisConnection(connection));
    await expect(
      startApp({
        config,
        logger,
        worker: true,
        bots: true,
        local: true,
        chatInput: new PassThrough(),
        chatOutput: new PassThrough(),
        ensureKnowledgeBase: async () => {
          throw new UserFacingError('not_implemented', 'The knowledge base is not implemented yet.');
        },
      }),
    ).rejects.toThrow('The knowledge base is not implemented yet.');
  });

  it('says clearly when Redis cannot be reached', async () => {
    const port = await freePort();
    const config = loadConfig({ REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_PREFIX: 'unreachable' });
    await expect(
      startApp({ config, logger, worker: true, bots: false, local: false, createAnswerer: async () => ({ ...createStubAnswerer(), close: async () => undefined }) }),
    ).rejects.toThrow(`Cannot reach Redis at 127.0.0.1:${port} (REDIS_URL)`);
  });
});

describe('local Redis', () => {
  it('starts a private redis-server with append-only persistence under DATA_DIR/redis when none listens', async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'mrag-data-'));
    const config = loadConfig({ DATA_DIR: dataDir });
    const endpoint = await ensureRedis({ config, logger, probe: { host: '127.0.0.1', port: await freePort() } });
    cleanups.push(() => endpoint.stop());
    expect(endpoint.owned).toBe(true);
    const connection = createRedisConnection(endpoint.url);
    await connection.set('k', 'v');
    expect(await connection.config('GET', 'appendonly')).toEqual(['appendonly', 'yes']);
    expect(await connection.config('GET', 'maxmemory-policy')).toEqual(['maxmemory-policy', 'noeviction']);
    await closeRedisConnection(connection);
    await endpoint.stop();
    expect(existsSync(path.join(dataDir, 'redis', 'appendonlydir'))).toBe(true);
  });

  it('uses a Redis that already listens, and REDIS_URL when set', async () => {
    const config = loadConfig({});
    const endpoint = await ensureRedis({ config, logger, probe: { host: '127.0.0.1', port: 6379 } });
    expect(endpoint).toMatchObject({ url: 'redis://127.0.0.1:6379', owned: false });
    const explicit = await ensureRedis({ config: loadConfig({ REDIS_URL: 'redis://redis.internal:6380' }), logger });
    expect(explicit).toMatchObject({ url: 'redis://redis.internal:6380', owned: false });
  });

  it('explains how to get Redis when there is none and no redis-server binary', async () => {
    const config = loadConfig({});
    await expect(ensureRedis({ config, logger, probe: { host: '127.0.0.1', port: await freePort() }, searchPath: '' })).rejects.toThrow(REDIS_MISSING_MESSAGE);
  });
});
