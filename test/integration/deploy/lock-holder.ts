/**
 * Child process for the write-lock tests: takes the index write lock for the DATA_DIR and
 * Redis given in argv, prints "held", and keeps renewing it until it is killed.
 * Usage: node --import tsx lock-holder.ts <dataDir> <redisUrl> <prefix> <ttlMs>
 */
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { acquireWriteLock } from '../../../src/rag/index/write-lock.js';

const [dataDir, redisUrl, prefix, ttl] = process.argv.slice(2);
const config = loadConfig({ DATA_DIR: dataDir, REDIS_URL: redisUrl, REDIS_PREFIX: prefix });
const lock = await acquireWriteLock({ config, logger: createLogger({ level: 'silent' }), ttlMs: Number(ttl) });
process.stdout.write(`held ${lock.kind}\n`);
setInterval(() => undefined, 1000);
