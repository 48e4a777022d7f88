/**
 * One writer at a time for the index under DATA_DIR, across processes *and hosts*.
 * Readers never need it: LanceDB versions keep them consistent.
 *
 * - **Redis** (when REDIS_URL answers): `SET <prefix>:index-lock:<index id> NX PX ttl`, renewed
 *   every ttl/3 by the live writer with a compare-and-expire script. Every host that shares
 *   the Redis and the DATA_DIR sees the same key, so two hosts never write at once, and a
 *   writer that crashed (kill -9, a killed container) frees the lock within one TTL.
 *   The index id is a random id kept in `<dataDir>/index/lock-id`, so the key does not
 *   depend on where DATA_DIR is mounted, and two deployments that share one Redis under
 *   the default prefix but have different DATA_DIRs never block each other.
 * - **Lock file** `<dataDir>/index/ingest.lock` (always, see write-lock-file.ts): the
 *   fallback when Redis is unreachable (a plain `mrag ingest` on a laptop), and a guard
 *   against a writer on the same DATA_DIR that could not reach Redis. It protects one
 *   filesystem, which on a network share may not make O_EXCL atomic: use Redis there.
 *
 * `acquireWriteLock` logs which kind is used. A lock that is lost while held (Redis restarted
 * without persistence, the process stalled past the TTL, the file taken over) aborts
 * `lock.signal` and logs an error; a writer should check it before committing.
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { Config } from '../../config/env.js';
import { UserFacingError } from '../../errors.js';
import { getLogger, type Logger } from '../../log.js';
import { LOCK_FILE_NAME, tryAcquireFileLock, type Blocker, type LockHolder } from './write-lock-file.js';

/** 30 s: long enough to survive a slow page parse between heartbeats, short enough that a crashed writer is forgotten quickly. */
export const WRITE_LOCK_TTL_MS = 30_000;
/** How long to wait for Redis before falling back to the lock file alone. */
export const WRITE_LOCK_REDIS_TIMEOUT_MS = 2000;

export interface WriteLock {
  /** `redis`: held in Redis (and the lock file); `file`: Redis was unreachable, the lock file only. */
  readonly kind: 'redis' | 'file';
  readonly holder: LockHolder;
  /** Aborted when the lock was lost while held. */
  readonly signal: AbortSignal;
  release(): Promise<void>;
}

export interface WriteLockOptions {
  /** Uses `dataDir`, `redis.url` and `redis.prefix`. */
  config: Pick<Config, 'dataDir' | 'redis'>;
  logger?: Logger;
  ttlMs?: number;
  redisTimeoutMs?: number;
  /** Who we are (tests simulate other hosts); default this host and pid. */
  identity?: { host: string; pid: number };
}

const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

/** The id of the index under `dataDir` (created once, race-free); the same on every host that mounts it. */
export function indexLockId(dataDir: string): string {
  const dir = path.join(dataDir, 'index');
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'lock-id');
  try {
    writeFileSync(file, randomUUID(), { flag: 'wx' });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return readFileSync(file, 'utf8').trim();
}

export const writeLockKey = (prefix: string, id: string) => `${prefix}:index-lock:${id}`;

function busy(holder: Partial<LockHolder> & { pid: number }, where: string, ttlMs: number): UserFacingError {
  const who = holder.pid > 0 ? `pid ${holder.pid}${holder.host ? ` on ${holder.host}` : ''}${holder.since ? `, since ${holder.since}` : ''}` : 'another process';
  return new UserFacingError(
    'index_busy',
    `Another ingest (${who}) is writing the index under ${where}; wait for it to finish (a crashed one frees the lock within ${Math.round(ttlMs / 1000)} s).`,
  );
}

async function connectRedis(url: string, timeoutMs: number): Promise<Redis | undefined> {
  const redis = new Redis(url, {
    lazyConnect: true,
    connectTimeout: timeoutMs,
    maxRetriesPerRequest: 1,
    // Reconnect after a blip so that renewals resume; the lock is lost only if the key is gone.
    retryStrategy: (times) => Math.min(times * 200, 2000),
  });
  redis.on('error', () => undefined); // reported through the renewal outcome, not as noise
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.ping()),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs))),
    ]);
    return redis;
  } catch {
    redis.disconnect();
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Take the write lock of the index under `config.dataDir`. Throws `UserFacingError`
 * (`index_busy`) naming the live holder when another writer has it.
 */
export async function acquireWriteLock(options: WriteLockOptions): Promise<WriteLock> {
  const { config } = options;
  const logger = options.logger ?? getLogger();
  const ttlMs = options.ttlMs ?? WRITE_LOCK_TTL_MS;
  const identity = options.identity ?? { host: os.hostname(), pid: process.pid };
  const holder: LockHolder = { token: randomUUID(), ...identity, since: new Date().toISOString() };
  const value = JSON.stringify(holder);
  const where = path.join(config.dataDir, 'index');
  const controller = new AbortController();
  const lose = (reason: string) => {
    if (controller.signal.aborted) return;
    logger.error({ reason }, 'index write lock lost: another writer may now change the index');
    controller.abort(new UserFacingError('index_lock_lost', `The index write lock was lost: ${reason}.`));
  };

  const id = indexLockId(config.dataDir);
  const redis = await connectRedis(config.redis.url, options.redisTimeoutMs ?? WRITE_LOCK_REDIS_TIMEOUT_MS);
  const key = writeLockKey(config.redis.prefix, id);
  let renewTimer: ReturnType<typeof setInterval> | undefined;
  if (redis) {
    let taken: string | null;
    let current: string | null = null;
    try {
      taken = await redis.set(key, value, 'PX', ttlMs, 'NX');
      if (taken !== 'OK') current = await redis.get(key);
    } catch (err) {
      redis.disconnect();
      throw err;
    }
    if (taken !== 'OK') {
      redis.disconnect();
      let other: Partial<LockHolder> & { pid: number } = { pid: -1 };
      try {
        other = JSON.parse(current ?? '{}') as LockHolder;
      } catch {
        // a foreign value: say "another process"
      }
      throw busy(other, where, ttlMs);
    }
    renewTimer = setInterval(() => {
      redis.eval(RENEW, 1, key, value, String(ttlMs)).then(
        (renewed) => {
          if (renewed !== 1) lose(`its Redis key ${key} expired or was taken (the process stalled, or Redis lost its data)`);
        },
        (err: unknown) => logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'index write lock: renewal failed; retrying'),
      );
    }, Math.max(50, Math.floor(ttlMs / 3)));
    renewTimer.unref();
  }

  const releaseRedis = async () => {
    if (!redis) return;
    clearInterval(renewTimer);
    try {
      await redis.eval(RELEASE, 1, key, value);
    } catch {
      // unreachable now: the key expires by itself within one TTL
    }
    redis.disconnect();
  };

  const file = tryAcquireFileLock({ file: path.join(where, LOCK_FILE_NAME), holder, ttlMs, onLost: lose });
  if ('blocked' in file) {
    await releaseRedis();
    const blocker: Blocker = file.blocked;
    throw busy(blocker.holder, where, ttlMs);
  }

  const kind = redis ? 'redis' : 'file';
  if (redis) {
    logger.info({ key, ttlMs }, 'index write lock held in Redis (one writer across every host)');
  } else {
    const redisAt = new URL(config.redis.url);
    logger.info(
      { file: path.join(where, LOCK_FILE_NAME) },
      `Redis at ${redisAt.hostname}:${redisAt.port || 6379} is unreachable: index write lock held in the lock file only (protects this DATA_DIR on this filesystem)`,
    );
  }
  let released = false;
  return {
    kind,
    holder,
    signal: controller.signal,
    async release() {
      if (released) return;
      released = true;
      file.release();
      await releaseRedis();
    },
  };
}
