// The worker side on its own against the stand-in: idempotent posting through the real Redis ReplyState,
// long answers split into several thread messages, polite failures, url_private downloads and thread history.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSlackWorkerSide } from '../../../src/bots/slack/worker-side.js';
import { loadConfig } from '../../../src/config/env.js';
import { UserFacingError } from '../../../src/errors.js';
import { askJobSchema, type AskJob } from '../../../src/queue/job.js';
import { closeRedisConnection, createRedisConnection, type Redis } from '../../../src/queue/redis.js';
import { createReplyState } from '../../../src/queue/reply-state.js';
import type { PlatformWorkerSide } from '../../../src/queue/reply.js';
import type { Answer } from '../../../src/rag/types.js';
import { cleanPrefix, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { SlackStandIn } from '../../platforms/slack-standin.js';
import { BOT_TOKEN, captureLogs, makeFigures, SIGNING_SECRET, TEST_RETRY } from './harness.js';

const prefix = uniquePrefix('slackreply');
let standIn: SlackStandIn;
let connection: Redis;
let side: PlatformWorkerSide;
const { logger, logs } = captureLogs();

beforeAll(async () => {
  standIn = await SlackStandIn.start({ botToken: BOT_TOKEN });
  const config = loadConfig({ SLACK_BOT_TOKEN: BOT_TOKEN, SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: standIn.apiUrl, SLACK_NATIVE_STREAMING: 'false' });
  connection = createRedisConnection(TEST_REDIS_URL);
  side = createSlackWorkerSide({ config: config.slack!, logger }, { retryConfig: TEST_RETRY, minEditIntervalMs: 100 });
});
afterAll(async () => {
  await standIn.close();
  await closeRedisConnection(connection);
  await cleanPrefix(TEST_REDIS_URL, prefix);
});

function jobWithPlaceholder(channel: string, extra: Partial<AskJob> = {}): AskJob {
  const root = standIn.addMessage(channel, { user: 'UASKER01', text: 'question' });
  const placeholder = standIn.addMessage(channel, { bot_id: standIn.botId, text: 'placeholder', thread_ts: root.ts });
  return askJobSchema.parse({
    v: 1,
    platform: 'slack',
    eventId: `Ev${root.ts}`,
    channelId: channel,
    threadId: root.ts,
    placeholderId: placeholder.ts,
    userId: 'UASKER01',
    question: 'question',
    meta: { messageTs: root.ts, inThread: '0' },
    createdAt: Date.now(),
    ...extra,
  });
}

const answer = (text: string, extra: Partial<Answer> = {}): Answer => ({ text, sources: [], figures: [], mode: 'llm', timings: {}, ...extra });
const context = (job: AskJob) => ({ job, answerId: `slack-${job.eventId}`, state: createReplyState(connection, prefix, job.eventId), logger, editIntervalMs: 100 });

describe('Slack reply (worker side)', () => {
  it('splits a long answer into thread messages and posts nothing twice when the job is retried', async () => {
    const job = jobWithPlaceholder('CLONG');
    const figures = await makeFigures();
    const long = Array.from({ length: 50 }, (_, i) => `Paragraph ${i}: ${'word '.repeat(30).trim()}`).join('\n\n'); // ~8.7k chars
    const final = answer(long, { figures });

    await side.createReply(context(job)).finish(final);
    const posts = standIn.callsTo('chat.postMessage').filter((c) => c.args.channel === 'CLONG');
    expect(posts.length).toBeGreaterThanOrEqual(2);
    expect(posts.every((c) => c.args.thread_ts === job.threadId)).toBe(true);
    const placeholderEdit = standIn.callsTo('chat.update').filter((c) => c.args.ts === job.placeholderId);
    const texts = [placeholderEdit[0]!, ...posts].map((c) => String(c.args.text));
    expect(texts.every((t) => t.length <= 3000)).toBe(true);
    expect(texts.join('\n\n')).toBe(long);
    expect(standIn.uploads).toHaveLength(2);

    // A retried attempt (same job, same state): edits the same messages, uploads nothing again.
    const callsBefore = standIn.calls.length;
    await side.createReply(context(job)).finish(final);
    const retryCalls = standIn.calls.slice(callsBefore);
    expect(retryCalls.map((c) => c.method).every((m) => m === 'chat.update')).toBe(true);
    expect(retryCalls).toHaveLength(posts.length + 1);
    expect(standIn.uploads).toHaveLength(2);
  });

  it('posts its own placeholder when the job has none, once', async () => {
    const job = jobWithPlaceholder('CNOPH', { placeholderId: undefined });
    await side.createReply(context(job)).start();
    await side.createReply(context(job)).start();
    const posts = standIn.callsTo('chat.postMessage').filter((c) => c.args.channel === 'CNOPH');
    expect(posts).toHaveLength(1);
    expect(posts[0]!.args.thread_ts).toBe(job.threadId);
  });

  it('fails politely in the placeholder, sanitised', async () => {
    const job = jobWithPlaceholder('CFAIL');
    await side.createReply(context(job)).fail('The model is down <!channel>');
    const edit = standIn.callsTo('chat.update').find((c) => c.args.ts === job.placeholderId)!;
    expect(edit.args.text).toBe(':warning: The model is down @\u200Bchannel');
  });

  it('skips a figure whose file is gone and still posts the answer', async () => {
    const job = jobWithPlaceholder('CNOFIG');
    const uploadsBefore = standIn.uploads.length;
    await side.createReply(context(job)).finish(
      answer('Short answer.', { figures: [{ n: 1, id: 'gone', imagePath: '/nonexistent/figure.png', caption: 'c', title: 't', section: '', source: 's' }] }),
    );
    expect(standIn.callsTo('chat.update').some((c) => c.args.ts === job.placeholderId && String(c.args.text) === 'Short answer.')).toBe(true);
    expect(standIn.uploads).toHaveLength(uploadsBefore);
    expect(logs.some((l) => l.includes('figure file unreadable'))).toBe(true);
  });

  it('downloads url_private with the bot token, refuses foreign hosts and explains a missing files:read scope', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]);
    standIn.privateFiles.set('/files-pri/T0-F1/shot.png', { body: png, contentType: 'image/png' });
    const bytes = await side.fetchImage(`${standIn.baseUrl}/files-pri/T0-F1/shot.png`, 1024);
    expect(Buffer.from(bytes).equals(png)).toBe(true);
    await expect(side.fetchImage('https://elsewhere.test/x.png', 1024)).rejects.toBeInstanceOf(UserFacingError);
    await expect(side.fetchImage(`${standIn.baseUrl}/files-pri/T0-F1/shot.png`, 3)).rejects.toMatchObject({ userMessage: expect.stringMatching(/larger than/) });
    // Without files:read Slack serves its HTML sign-in page in place of the file.
    standIn.privateFiles.set('/files-pri/T0-F2/noscope.png', { body: Buffer.from('<!DOCTYPE html><html>sign in</html>'), contentType: 'text/html' });
    await expect(side.fetchImage(`${standIn.baseUrl}/files-pri/T0-F2/noscope.png`, 1024)).rejects.toThrow(/files:read/);
    expect(logs.join('\n')).not.toContain(BOT_TOKEN);
  });

  it('reads an existing thread as history, up to the question', async () => {
    const root = standIn.addMessage('CHIST', { user: 'U1', text: 'Is SSO supported?' });
    standIn.addMessage('CHIST', { bot_id: 'B0OTHER', text: 'Yes, SAML.', thread_ts: root.ts });
    const mention = standIn.addMessage('CHIST', { user: 'U2', text: '<@UBOT> which IdPs?', thread_ts: root.ts });
    standIn.addMessage('CHIST', { user: 'U3', text: 'later message', thread_ts: root.ts });
    const job = askJobSchema.parse({
      v: 1, platform: 'slack', eventId: 'EvH', channelId: 'CHIST', threadId: root.ts, userId: 'U2', question: 'which IdPs?',
      meta: { messageTs: mention.ts, inThread: '1' }, createdAt: Date.now(),
    });
    expect(await side.fetchHistory!(job)).toEqual([{ question: 'Is SSO supported?', answer: 'Yes, SAML.' }]);
    expect(await side.fetchHistory!({ ...job, meta: { inThread: '0' } })).toEqual([]);
  });
});
