/**
 * The index write lock across processes and hosts: held in Redis with a TTL the live writer
 * renews (a crashed writer never blocks the next; two hosts never write at once), with the
 * lock file as the fallback when Redis is unreachable. "Other hosts" are simulated with the
 * lock's `identity` option and with a second path (a symlink) to the same DATA_DIR.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/env.js';
import { acquireWriteLock, indexLockId, writeLockKey } from '../../../src/rag/index/write-lock.js';
import { captureLogger } from '../../helpers/log-capture.js';
import { cleanPrefix, freePort, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'mrag-lock-'));
const prefix = uniquePrefix('lock');
const { logger, messages } = captureLogger();
const hostA = { host: 'host-a', pid: 4242 };
const hostB = { host: 'host-b', pid: 4242 };

afterAll(async () => {
  await cleanPrefix(TEST_REDIS_URL, prefix);
  rmSync(tmp, { recursive: true, force: true });
});

function config(dataDir: string, redisUrl = TEST_REDIS_URL) {
  return loadConfig({ DATA_DIR: dataDir, REDIS_URL: redisUrl, REDIS_PREFIX: prefix });
}

async function refusal(promise: Promise<unknown>): Promise<{ code?: string; message: string }> {
  const err = (await promise.then(
    () => undefined,
    (e: unknown) => e,
  )) as { code?: string; message: string } | undefined;
  if (!err) throw new Error('expected the lock to be refused');
  return err;
}

describe('index write lock in Redis', () => {
  it('lets one host write: a second host is refused with the holder named, then gets the lock once it is released', async () => {
    const dataDir = path.join(tmp, 'shared');
    const a = await acquireWriteLock({ config: config(dataDir), logger, identity: hostA });
    expect(a.kind).toBe('redis');
    const err = await refusal(acquireWriteLock({ config: config(dataDir), logger, identity: hostB }));
    expect(err.code).toBe('index_busy');
    expect(err.message).toContain('pid 4242 on host-a');
    await a.release();
    const b = await acquireWriteLock({ config: config(dataDir), logger, identity: hostB });
    expect(b.kind).toBe('redis');
    await b.release();
    expect(messages()).toContain('index write lock held in Redis (one writer across every host)');
  });

  it('identifies the index by an id kept in DATA_DIR, not by its path: another mount point of the same DATA_DIR is the same lock', async () => {
    const dataDir = path.join(tmp, 'mounted');
    mkdirSync(dataDir);
    const otherMount = path.join(tmp, 'other-mount');
    symlinkSync(dataDir, otherMount);
    expect(indexLockId(otherMount)).toBe(indexLockId(dataDir));
    const a = await acquireWriteLock({ config: config(dataDir), logger, identity: hostA });
    // The file lock would also stop it here; remove it to prove the Redis key alone does.
    rmSync(path.join(dataDir, 'index', 'ingest.lock'));
    const err = await refusal(acquireWriteLock({ config: config(otherMount), logger, identity: hostB }));
    expect(err.message).toContain('host-a');
    await a.release();
  });

  it('does not block a writer of a different DATA_DIR under the same prefix', async () => {
    const one = await acquireWriteLock({ config: config(path.join(tmp, 'one')), logger, identity: hostA });
    const two = await acquireWriteLock({ config: config(path.join(tmp, 'two')), logger, identity: hostA });
    expect([one.kind, two.kind]).toEqual(['redis', 'redis']);
    await Promise.all([one.release(), two.release()]);
  });

  it('stays held past its TTL while the writer lives (renewed), and is gone after release', async () => {
    const dataDir = path.join(tmp, 'renew');
    const ttlMs = 600;
    const a = await acquireWriteLock({ config: config(dataDir), logger, identity: hostA, ttlMs });
    await new Promise((r) => setTimeout(r, ttlMs * 3));
    expect(a.signal.aborted).toBe(false);
    await expect(acquireWriteLock({ config: config(dataDir), logger, identity: hostB, ttlMs })).rejects.toMatchObject({ code: 'index_busy' });
    await a.release();
    const redis = new Redis(TEST_REDIS_URL);
    expect(await redis.exists(writeLockKey(prefix, indexLockId(dataDir)))).toBe(0);
    redis.disconnect();
    expect(existsSync(path.join(dataDir, 'index', 'ingest.lock'))).toBe(false);
  });

  it('frees the lock of a writer killed with SIGKILL within one TTL, without anyone cleaning up', async () => {
    const dataDir = path.join(tmp, 'crash');
    const ttlMs = 4000;
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/integration/deploy/lock-holder.ts', dataDir, TEST_REDIS_URL, prefix, String(ttlMs)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const held = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => resolve(d.toString().trim()));
      child.once('exit', (code) => reject(new Error(`lock holder exited early (${code})`)));
    });
    expect(held).toBe('held redis');
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    // Another host sees the dead writer's key until its TTL runs out…
    const err = await refusal(acquireWriteLock({ config: config(dataDir), logger, identity: hostB, ttlMs }));
    expect(err.message).toContain(`pid ${child.pid} on ${os.hostname()}`);
    // …and then takes over.
    const deadline = Date.now() + 20_000;
    for (;;) {
      try {
        const lock = await acquireWriteLock({ config: config(dataDir), logger, identity: hostB, ttlMs });
        expect(lock.kind).toBe('redis');
        await lock.release();
        break;
      } catch (e) {
        if ((e as { code?: string }).code !== 'index_busy' || Date.now() > deadline) throw e;
        await new Promise((r) => setTimeout(r, 200));
      }
    }
  });

  it('reports a lost lock on its signal when the key disappears under a live writer', async () => {
    const dataDir = path.join(tmp, 'lost');
    const a = await acquireWriteLock({ config: config(dataDir), logger, identity: hostA, ttlMs: 300 });
    const redis = new Redis(TEST_REDIS_URL);
    await redis.del(writeLockKey(prefix, indexLockId(dataDir)));
    redis.disconnect();
    await new Promise<void>((resolve) => a.signal.addEventListener('abort', () => resolve(), { once: true }));
    expect(String((a.signal.reason as Error).message)).toContain('lost');
    await a.release();
  });
});

describe('index write lock without Redis (the lock file)', () => {
  it('falls back to the lock file and says so when Redis is unreachable', async () => {
    const port = await freePort();
    const dataDir = path.join(tmp, 'laptop');
    const { logger: log, messages: said } = captureLogger();
    const lock = await acquireWriteLock({ config: config(dataDir, `redis://127.0.0.1:${port}`), logger: log });
    expect(lock.kind).toBe('file');
    expect(said().some((m) => m.includes(`Redis at 127.0.0.1:${port} is unreachable: index write lock held in the lock file only`))).toBe(true);
    const holder = JSON.parse(readFileSync(path.join(dataDir, 'index', 'ingest.lock'), 'utf8')) as { pid: number; host: string };
    expect(holder).toMatchObject({ pid: process.pid, host: os.hostname() });
    await expect(acquireWriteLock({ config: config(dataDir, `redis://127.0.0.1:${port}`), logger: log, identity: hostB })).rejects.toMatchObject({ code: 'index_busy' });
    await lock.release();
    expect(existsSync(path.join(dataDir, 'index', 'ingest.lock'))).toBe(false);
  });

  it('takes over a lock left by pid 1 of a killed container when the restarted container (same hostname, pid 1 again) ingests', async () => {
    const port = await freePort();
    const dataDir = path.join(tmp, 'container');
    mkdirSync(path.join(dataDir, 'index'), { recursive: true });
    const container = { host: 'c0ffee123456', pid: 1 };
    writeFileSync(path.join(dataDir, 'index', 'ingest.lock'), JSON.stringify({ token: 'dead', ...container, since: new Date().toISOString() }));
    const lock = await acquireWriteLock({ config: config(dataDir, `redis://127.0.0.1:${port}`), logger, identity: container });
    expect(lock.kind).toBe('file');
    await lock.release();
  });

  it('respects a fresh lock file of another host, and takes it over once it was not renewed for a TTL', async () => {
    const port = await freePort();
    const dataDir = path.join(tmp, 'other-host');
    const file = path.join(dataDir, 'index', 'ingest.lock');
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify({ token: 'theirs', host: 'host-z', pid: 1, since: new Date().toISOString() }));
    const cfg = config(dataDir, `redis://127.0.0.1:${port}`);
    const err = await refusal(acquireWriteLock({ config: cfg, logger, identity: hostA }));
    expect(err.message).toContain('pid 1 on host-z');
    const old = new Date(Date.now() - 120_000);
    utimesSync(file, old, old);
    const lock = await acquireWriteLock({ config: cfg, logger, identity: hostA });
    expect(JSON.parse(readFileSync(file, 'utf8'))).toMatchObject({ host: 'host-a' });
    await lock.release();
  });

  it('takes over the old format (a bare pid) when that process is gone', async () => {
    const port = await freePort();
    const dataDir = path.join(tmp, 'old-format');
    mkdirSync(path.join(dataDir, 'index'), { recursive: true });
    writeFileSync(path.join(dataDir, 'index', 'ingest.lock'), '99999999');
    const lock = await acquireWriteLock({ config: config(dataDir, `redis://127.0.0.1:${port}`), logger });
    expect(lock.kind).toBe('file');
    await lock.release();
  });
});
