/**
 * Fixed-window rate limiting in Redis (one counter per user/channel per minute). A fixed
 * window is simple and cheap; its known weakness (up to 2x the limit across a window
 * boundary) is acceptable for "don't let one user flood the bot".
 */
import type { Redis } from 'ioredis';

// INCR and set the window's expiry on first use, atomically; returns [count, ms left].
const HIT_SCRIPT = `
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {n, ttl}
`;

export interface RateLimitHit {
  allowed: boolean;
  /** Milliseconds until the current window ends. */
  retryAfterMs: number;
}

export async function hitRateLimit(connection: Redis, key: string, limit: number, windowMs = 60_000): Promise<RateLimitHit> {
  const [count, ttl] = (await connection.eval(HIT_SCRIPT, 1, key, String(windowMs))) as [number, number];
  return { allowed: count <= limit, retryAfterMs: Math.max(0, ttl) };
}
