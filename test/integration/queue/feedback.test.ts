import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { answerToRemember, createFeedbackStore } from '../../../src/queue/feedback.js';
import { closeRedisConnection, createRedisConnection } from '../../../src/queue/redis.js';
import type { Answer } from '../../../src/rag/types.js';
import { cleanPrefix } from '../../helpers/redis.js';
import { testConfig } from './harness.js';

const config = testConfig();
const connection = createRedisConnection(config.redis.url);
const store = createFeedbackStore(connection, config.redis.prefix);
afterAll(async () => {
  await cleanPrefix(config.redis.url, config.redis.prefix);
  await closeRedisConnection(connection);
});

const answer: Answer = {
  text: 'The worker replies over REST [1] and shows the diagram [F1].',
  mode: 'llm',
  level: 3,
  timings: {},
  sources: [{ n: 1, id: 'd#c0', title: 'How it works', section: 'Worker', source: 'data/articles/how.md', snippet: '…' }],
  figures: [{ n: 1, id: 'd#f0', imagePath: '/abs/fig.png', caption: 'The architecture', title: 'How it works', section: 'Worker', source: 'data/articles/how.md' }],
};

describe('feedback store', () => {
  it('stores a click with the remembered question, answer, sources and figures; a second click by the same user replaces the first', async () => {
    await store.rememberAnswer(answerToRemember(answer, { answerId: 'slack-Ev1', platform: 'slack', channelId: 'C1', threadId: '1.2', question: 'how does the worker reply?' }));
    const first = await store.record({ answerId: 'slack-Ev1', userId: 'U1', rating: 'down' });
    expect(first?.question).toBe('how does the worker reply?');
    await store.record({ answerId: 'slack-Ev1', userId: 'U1', rating: 'up' });
    await store.record({ answerId: 'slack-Ev1', userId: 'U2', rating: 'down', comment: 'missing the figure' });
    const all = await store.export();
    expect(all.map((e) => [e.userId, e.rating])).toEqual([
      ['U1', 'up'],
      ['U2', 'down'],
    ]);
    expect(all[0]).toMatchObject({ platform: 'slack', answer: answer.text, level: 3, sources: [{ title: 'How it works', source: 'data/articles/how.md' }], figures: [{ id: 'd#f0', caption: 'The architecture' }] });
    // Figure paths are machine-specific and not kept.
    expect(JSON.stringify(all)).not.toContain('/abs/fig.png');
  });

  it('`mrag feedback export` prints every rating as one JSON line, oldest first, and filters by rating', async () => {
    const env = { ...process.env, REDIS_URL: config.redis.url, REDIS_PREFIX: config.redis.prefix, LOG_LEVEL: 'silent' };
    const run = promisify(execFile);
    const all = (await run(process.execPath, ['bin/mrag.js', 'feedback', 'export'], { env })).stdout.trim().split('\n').map((l) => JSON.parse(l) as { userId: string; rating: string; question: string });
    expect(all.map((e) => [e.userId, e.rating])).toEqual([
      ['U1', 'up'],
      ['U2', 'down'],
    ]);
    expect(all[0]!.question).toBe('how does the worker reply?');
    const down = (await run(process.execPath, ['bin/mrag.js', 'feedback', 'export', '--rating', 'down'], { env })).stdout.trim().split('\n');
    expect(down.map((l) => (JSON.parse(l) as { userId: string }).userId)).toEqual(['U2']);
  });

  it('refuses a click on an unknown or expired answer', async () => {
    expect(await store.record({ answerId: 'discord-nope', userId: 'U1', rating: 'up' })).toBeUndefined();
  });
});
