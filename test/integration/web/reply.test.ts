/**
 * The worker side of the web chat against real Redis: what a WebReply writes into the
 * conversation stream, across a retried attempt, and how figures are copied.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConversationStore, webKeys } from '../../../src/bots/web/conversations.js';
import type { StreamEvent } from '../../../src/bots/web/protocol.js';
import { WebReply } from '../../../src/bots/web/reply.js';
import { createWebWorkerSide } from '../../../src/bots/web/worker-side.js';
import { loadConfig } from '../../../src/config/env.js';
import type { AskJob } from '../../../src/queue/job.js';
import { closeRedisConnection, createRedisConnection, type Redis } from '../../../src/queue/redis.js';
import type { ReplyContext } from '../../../src/queue/reply.js';
import { createReplyState } from '../../../src/queue/reply-state.js';
import type { Answer } from '../../../src/rag/types.js';
import { cleanPrefix, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { ARTICLES, logger, workDir } from './harness.js';

const prefix = uniquePrefix('webreply');
const work = workDir('reply');
let connection: Redis;
let store: ConversationStore;

beforeAll(() => {
  connection = createRedisConnection(TEST_REDIS_URL);
  store = new ConversationStore({ connection, prefix, ttlSeconds: 60 });
});

afterAll(async () => {
  await cleanPrefix(TEST_REDIS_URL, prefix);
  await closeRedisConnection(connection);
  work.cleanup();
});

const job = (conversation: string): AskJob => ({ v: 1, platform: 'web', eventId: 'e1', channelId: 'web', threadId: conversation, userId: 'u1', question: 'q', images: [], meta: {}, createdAt: Date.now() });
const context = (conversation: string, answerId = 'web-e1'): ReplyContext => ({
  job: job(conversation),
  answerId,
  state: createReplyState(connection, prefix, answerId),
  logger,
  editIntervalMs: 1500,
});
const events = async (conversation: string): Promise<StreamEvent[]> => (await store.read(conversation)).map((e) => e.event);
const figure = (n: number, imagePath: string) => ({ n, id: `f${n}`, imagePath, caption: `Figure ${n}`, title: 'T', section: 'S', source: 'docs/a.md' });
const answer = (figures: Answer['figures']): Answer => ({ text: 'Final [1].', sources: [], figures, mode: 'llm', timings: { total: 1 } });

describe('WebReply', () => {
  it('streams deltas, replaces the text on a retried attempt, and posts the final answer once', async () => {
    const conversation = 'conv-retry-0000000001';
    const first = new WebReply(store, context(conversation), 0);
    await first.start();
    await first.update('Hel');
    await first.update('Hello');
    await first.update('Hello wor');
    await new Promise((r) => setTimeout(r, 50));
    // The attempt failed; a retry streams a different beginning.
    const retry = new WebReply(store, context(conversation), 0);
    await retry.start();
    await retry.update('Hi');
    await new Promise((r) => setTimeout(r, 50));
    await retry.finish(answer([]));
    await retry.finish(answer([])); // a retried post of the same answer
    const stream = await events(conversation);
    const texts = stream.filter((e) => e.type === 'text' || e.type === 'delta').map((e) => [e.type, (e as { text: string }).text]);
    expect(texts[0]).toEqual(['text', 'Hel']);
    expect(texts.slice(1, -1).every(([type]) => type === 'delta')).toBe(true);
    expect(texts.slice(0, -1).map(([, t]) => t).join('')).toBe('Hello wor');
    expect(texts.at(-1)).toEqual(['text', 'Hi']);
    expect(stream.filter((e) => e.type === 'final')).toHaveLength(1);
    expect(stream.filter((e) => e.type === 'status')).toHaveLength(2);
  });

  it('copies figure images into Redis once per content, and shows unreadable ones by caption only', async () => {
    const png = path.join(ARTICLES, 'figures', 'answer-flow.png');
    const sameBytes = path.join(work.dir, 'copy.png');
    writeFileSync(sameBytes, readFileSync(png));
    const notImage = path.join(work.dir, 'note.png');
    writeFileSync(notImage, 'not an image');
    const conversation = 'conv-figures-00000001';
    const reply = new WebReply(store, context(conversation, 'web-e2'), 0);
    await reply.finish(answer([figure(1, png), figure(2, sameBytes), figure(3, path.join(work.dir, 'missing.png')), figure(4, notImage)]));
    const final = (await events(conversation)).find((e) => e.type === 'final');
    const urls = final!.type === 'final' ? final!.answer.figures.map((f) => f.url) : [];
    expect(urls[0]).toMatch(/^\/api\/figures\/[0-9a-f]{64}\.png$/);
    expect(urls[1]).toBe(urls[0]);
    expect(urls.slice(2)).toEqual([undefined, undefined]);
    const stored = await store.getFigure(urls[0]!.split('/').pop()!);
    expect(stored?.equals(readFileSync(png))).toBe(true);
    expect(await connection.ttl(webKeys.figure(prefix, urls[0]!.split('/').pop()!))).toBeGreaterThan(0);
  });

  it('reports a failure as an error event', async () => {
    const conversation = 'conv-fail-0000000001';
    await new WebReply(store, context(conversation, 'web-e3'), 0).fail('Sorry — that went wrong.');
    expect(await events(conversation)).toEqual([{ type: 'error', answerId: 'web-e3', message: 'Sorry — that went wrong.' }]);
  });
});

describe('web worker side', () => {
  it('reads an attached image back from Redis, and says clearly when it expired', async () => {
    const side = createWebWorkerSide({ config: loadConfig({ REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix }), logger });
    try {
      const url = await store.putUpload('upload-1', Buffer.from('bytes of an image'));
      expect(Buffer.from(await side.fetchImage(url, 1000)).toString()).toBe('bytes of an image');
      await expect(side.fetchImage(url, 5)).rejects.toThrow('over the size cap');
      await expect(side.fetchImage('mrag-upload:gone', 1000)).rejects.toMatchObject({ userMessage: 'The attached image has expired; please attach it again.' });
    } finally {
      await side.close?.();
    }
  });
});
