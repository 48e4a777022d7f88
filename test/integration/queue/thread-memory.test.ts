import { afterAll, describe, expect, it } from 'vitest';
import { closeRedisConnection, createRedisConnection } from '../../../src/queue/redis.js';
import { createThreadMemory, MAX_FIGURE_IDS, MAX_STORED_CHARS } from '../../../src/queue/thread-memory.js';
import { cleanPrefix } from '../../helpers/redis.js';
import { testConfig } from './harness.js';

const config = testConfig({ THREAD_MEMORY_TURNS: '3', THREAD_MEMORY_TTL_DAYS: '2' });
const connection = createRedisConnection(config.redis.url);
const memory = createThreadMemory({ connection, config });
afterAll(async () => {
  await cleanPrefix(config.redis.url, config.redis.prefix);
  await closeRedisConnection(connection);
});

describe('thread memory', () => {
  it('keeps the last N turns in order, per thread', async () => {
    const ref = { platform: 'discord' as const, channelId: 'c', threadId: 't' };
    for (let i = 1; i <= 5; i++) await memory.append(ref, { question: `q${i}`, answer: `a${i}` });
    expect((await memory.get(ref)).turns).toEqual([
      { question: 'q3', answer: 'a3' },
      { question: 'q4', answer: 'a4' },
      { question: 'q5', answer: 'a5' },
    ]);
    expect((await memory.get({ ...ref, threadId: 'other' })).turns).toEqual([]);
    expect((await memory.get({ ...ref, platform: 'slack' })).turns).toEqual([]);
  });

  it('expires after the configured TTL, refreshed on every write', async () => {
    const ref = { platform: 'slack' as const, channelId: 'C', threadId: '1.2' };
    await memory.append(ref, { question: 'q', answer: 'a' }, ['f1']);
    const keys = await connection.keys(`${config.redis.prefix}:thread:slack:C:1.2:*`);
    expect(keys.length).toBe(3);
    for (const key of keys) {
      const ttl = await connection.ttl(key);
      expect(ttl).toBeGreaterThan(2 * 86_400 - 60);
      expect(ttl).toBeLessThanOrEqual(2 * 86_400);
    }
    await connection.expire(keys[0]!, 10);
    await memory.append(ref, { question: 'q2', answer: 'a2' });
    expect(await connection.ttl(keys[0]!)).toBeGreaterThan(10);
  });

  it('remembers figure ids shown, without duplicates and bounded', async () => {
    const ref = { platform: 'discord' as const, channelId: 'c', threadId: 'figs' };
    await memory.append(ref, { question: 'q1', answer: 'a1' }, ['f1', 'f2']);
    await memory.append(ref, { question: 'q2', answer: 'a2' }, ['f2', 'f3', 'f3']);
    expect((await memory.get(ref)).figureIds).toEqual(['f1', 'f2', 'f3']);
    const many = Array.from({ length: MAX_FIGURE_IDS + 50 }, (_, i) => `g${i}`);
    await memory.append(ref, { question: 'q3', answer: 'a3' }, many);
    const { figureIds } = await memory.get(ref);
    expect(figureIds).toHaveLength(MAX_FIGURE_IDS);
    expect(figureIds.at(-1)).toBe(`g${MAX_FIGURE_IDS + 49}`);
  });

  it('bounds stored text and skips corrupt entries', async () => {
    const ref = { platform: 'terminal' as const, channelId: 'local' };
    await memory.append(ref, { question: 'q', answer: 'x'.repeat(MAX_STORED_CHARS * 2) });
    await connection.rpush(`${config.redis.prefix}:thread:terminal:local:-:turns`, '{not json', JSON.stringify({ question: 1 }));
    const { turns } = await memory.get(ref);
    expect(turns).toHaveLength(1);
    expect(turns[0]!.answer.length).toBeLessThanOrEqual(MAX_STORED_CHARS + 1);
  });

  it('has() is true once a thread is marked or has turns', async () => {
    const ref = { platform: 'discord' as const, channelId: 'c', threadId: 'mark' };
    expect(await memory.has(ref)).toBe(false);
    await memory.mark(ref);
    expect(await memory.has(ref)).toBe(true);
    expect(await connection.ttl(`${config.redis.prefix}:thread:discord:c:mark:mark`)).toBeGreaterThan(0);
  });
});
