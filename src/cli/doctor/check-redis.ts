/**
 * Doctor: Redis — reachable, version (BullMQ needs ≥ 5.0.0 and recommends ≥ 6.2.0: its
 * RedisConnection.minimumVersion / recommendedMinimumVersion), `maxmemory-policy noeviction`
 * (any eviction can drop queued jobs and their locks) and persistence (append-only or RDB
 * snapshots, so that accepted questions and thread memory survive a restart).
 */
import { Redis } from 'ioredis';
import { findExecutable } from '../../app/local-redis.js';
import { errorText, fail, ok, warn, type DoctorContext, type DoctorLine } from './checks.js';

const MINIMUM = [5, 0, 0];
const RECOMMENDED = [6, 2, 0];

function parseInfo(text: string): Map<string, string> {
  const fields = new Map<string, string>();
  for (const line of text.split(/\r?\n/)) {
    const i = line.indexOf(':');
    if (i > 0 && !line.startsWith('#')) fields.set(line.slice(0, i), line.slice(i + 1).trim());
  }
  return fields;
}

function below(version: string, min: number[]): boolean {
  const parts = version.split('.').map(Number);
  for (let i = 0; i < min.length; i++) {
    const v = parts[i] ?? 0;
    if (v !== min[i]) return v < min[i]!;
  }
  return false;
}

export async function checkRedis({ config, timeoutMs }: DoctorContext): Promise<DoctorLine[]> {
  const url = new URL(config.redis.url);
  const where = `${url.hostname}:${url.port || 6379}`;
  const redis = new Redis(config.redis.url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null, commandTimeout: timeoutMs });
  let firstError: Error | undefined;
  redis.on('error', (err: Error) => (firstError ??= err)); // the socket's error says more than "Connection is closed."
  try {
    try {
      await redis.connect();
      await redis.ping();
    } catch (caught) {
      const err = firstError ?? caught;
      if (!config.redis.explicit && findExecutable('redis-server')) {
        return [warn('Redis', `nothing answers at ${where} (${errorText(err)})`, '`mrag start` starts a private redis-server by itself; `mrag worker` and `mrag bot` need a running Redis: start one, or set REDIS_URL')];
      }
      return [fail('Redis', `cannot connect to ${where} (${errorText(err)})`, 'start Redis (`docker compose up -d redis`, `sudo systemctl start redis-server`, or `redis-server`) or set REDIS_URL to a running one')];
    }
    const info = parseInfo(await redis.info());
    const lines: DoctorLine[] = [];
    const version = info.get('redis_version') ?? 'unknown';
    if (version !== 'unknown' && below(version, MINIMUM)) {
      lines.push(fail('Redis', `${version} at ${where}: the queue (BullMQ) needs 5.0.0 or newer`, 'upgrade Redis (7.x recommended)'));
    } else if (version !== 'unknown' && below(version, RECOMMENDED)) {
      lines.push(warn('Redis', `${version} at ${where}: works, but BullMQ recommends 6.2.0 or newer`, 'upgrade Redis (7.x recommended)'));
    } else {
      lines.push(ok('Redis', `${version} at ${where}`));
    }

    const policy = info.get('maxmemory_policy') ?? (await configGet(redis, 'maxmemory-policy'));
    if (policy === 'noeviction') lines.push(ok('Redis eviction policy', 'noeviction'));
    else if (policy === undefined) lines.push(warn('Redis eviction policy', 'unknown (INFO and CONFIG do not say)', 'make sure maxmemory-policy is noeviction'));
    else lines.push(fail('Redis eviction policy', `${policy}: Redis may evict queued questions and job locks under memory pressure`, 'set `maxmemory-policy noeviction` (redis.conf, `--maxmemory-policy noeviction`, or `redis-cli CONFIG SET maxmemory-policy noeviction`)'));

    const aof = info.get('aof_enabled') === '1';
    const save = aof ? undefined : await configGet(redis, 'save');
    if (aof) lines.push(ok('Redis persistence', 'append-only file (appendonly yes)'));
    else if (save) lines.push(ok('Redis persistence', `RDB snapshots (save ${save}): a crash loses what changed since the last snapshot`));
    else if (save === '') lines.push(warn('Redis persistence', 'none (appendonly no, no RDB snapshots): a Redis restart forgets queued questions and thread memory', 'run Redis with `--appendonly yes` (as docker-compose.yml does)'));
    else lines.push(warn('Redis persistence', 'append-only is off and CONFIG is not available to see RDB snapshots', 'make sure your Redis persists (appendonly yes)'));
    return lines;
  } finally {
    redis.disconnect();
  }
}

/** CONFIG GET, undefined where CONFIG is disabled (managed Redis services rename it). */
async function configGet(redis: Redis, name: string): Promise<string | undefined> {
  try {
    const reply = (await redis.config('GET', name)) as string[];
    return reply[1];
  } catch {
    return undefined;
  }
}
