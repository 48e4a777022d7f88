import sharp from 'sharp';
import { afterEach, describe, expect, it } from 'vitest';
import { UserFacingError } from '../../../src/errors.js';
import { createAskQueue } from '../../../src/queue/ask-queue.js';
import { TransientError } from '../../../src/queue/errors.js';
import { askJobId } from '../../../src/queue/keys.js';
import { createThreadMemory } from '../../../src/queue/thread-memory.js';
import { waitFor } from '../../helpers/recording-platform.js';
import { createStubAnswerer } from '../../helpers/stub-answerer.js';
import { askInput, startHarness, type Harness } from './harness.js';

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function jobState(harness: Harness, eventId: string) {
  const queue = createAskQueue(harness.connection, harness.config);
  try {
    const job = await queue.getJob(askJobId('discord', eventId));
    return { state: await job?.getState(), attemptsMade: job?.attemptsMade };
  } finally {
    await queue.close();
  }
}

const finished = (harness: Harness, eventId: string, type: 'finish' | 'fail' = 'finish') =>
  waitFor(() => harness.platform.events.find((e) => e.eventId === eventId && e.type === type), { what: `${type} of ${eventId}` });

describe('ask worker', () => {
  it('streams the answer into one message, finishes it and remembers the turn for a follow-up', async () => {
    const figure = { n: 1, id: 'doc#f1', imagePath: '/figures/arch.png', caption: 'Architecture', title: 'Doc', section: 'Intro', source: 'doc.md' };
    const answerer = createStubAnswerer({ text: (q) => `Answer to ${q} with several streamed words`, tokenDelayMs: 5, figures: [figure] });
    h = await startHarness({ answerer });
    const first = askInput({ question: 'What is CLIP?' });
    expect(await h.gateway.enqueue(first)).toMatchObject({ ok: true });
    await finished(h, first.eventId);

    const events = h.platform.events.filter((e) => e.eventId === first.eventId);
    expect(events.filter((e) => e.type === 'post')).toHaveLength(1);
    expect(events.some((e) => e.type === 'update')).toBe(true);
    expect(new Set(events.map((e) => e.messageId)).size).toBe(1);
    expect(events.at(-1)).toMatchObject({ type: 'finish', text: 'Answer to What is CLIP? with several streamed words' });
    await waitFor(async () => (await jobState(h!, first.eventId)).state === 'completed');

    const followUp = askInput({ question: 'And its image encoder?' });
    await h.gateway.enqueue(followUp);
    await finished(h, followUp.eventId);
    expect(answerer.calls[1]!.history).toEqual([{ question: 'What is CLIP?', answer: 'Answer to What is CLIP? with several streamed words' }]);
    // The figure attached to the first answer is known as shown, so a follow-up need not re-post it.
    expect(answerer.calls[0]!.shownFigureIds).toEqual([]);
    expect(answerer.calls[1]!.shownFigureIds).toEqual(['doc#f1']);
    expect(await h.gateway.isBotThread('discord', 'c1', 't1')).toBe(true);
  });

  it('retries a transient failure with backoff and then answers once', async () => {
    const answerer = createStubAnswerer({ failures: [new TransientError('ollama 503'), Object.assign(new Error('socket'), { code: 'ECONNRESET' })] });
    h = await startHarness({ answerer });
    const input = askInput();
    await h.gateway.enqueue(input);
    await finished(h, input.eventId);
    expect(answerer.calls).toHaveLength(3);
    expect(h.platform.events.filter((e) => e.type === 'finish')).toHaveLength(1);
    expect(h.platform.events.filter((e) => e.type === 'fail')).toHaveLength(0);
    await waitFor(async () => (await jobState(h!, input.eventId)).state === 'completed');
    // BullMQ counts the successful attempt too: two failures + one success.
    expect(await jobState(h, input.eventId)).toEqual({ state: 'completed', attemptsMade: 3 });
  });

  it('fails bad input once, without retrying, and tells the user why', async () => {
    const answerer = createStubAnswerer({ failures: [new UserFacingError('no_documents', 'The knowledge base is empty.')] });
    h = await startHarness({ answerer });
    const input = askInput();
    await h.gateway.enqueue(input);
    const fail = await finished(h, input.eventId, 'fail');
    expect(fail.text).toBe('The knowledge base is empty.');
    await waitFor(async () => (await jobState(h!, input.eventId)).state === 'failed');
    expect(answerer.calls).toHaveLength(1);
    expect(await jobState(h, input.eventId)).toEqual({ state: 'failed', attemptsMade: 1 });
    expect(h.platform.events.filter((e) => e.type === 'fail')).toHaveLength(1);
  });

  it('fails an invalid payload put on the queue directly, once, with an apology and no crash', async () => {
    const answerer = createStubAnswerer();
    h = await startHarness({ answerer });
    const queue = createAskQueue(h.connection, h.config);
    const bad = { ...askInput(), question: '   ' };
    await queue.add('ask', bad as never, { jobId: askJobId('discord', bad.eventId) });
    await queue.close();
    const fail = await finished(h, bad.eventId, 'fail');
    expect(fail.text).toMatch(/could not be processed/);
    await waitFor(async () => (await jobState(h!, bad.eventId)).state === 'failed');
    expect(answerer.calls).toHaveLength(0);
    // The worker is still alive and answers the next job.
    const next = askInput();
    await h.gateway.enqueue(next);
    await finished(h, next.eventId);
  });

  it('ends with fail() when transient failures exhaust the attempts', async () => {
    const answerer = createStubAnswerer({ failures: [1, 2, 3].map(() => Object.assign(new Error('HTTP 502'), { status: 502 })) });
    h = await startHarness({ answerer, env: { WORKER_ATTEMPTS: '3' } });
    const input = askInput();
    await h.gateway.enqueue(input);
    const fail = await finished(h, input.eventId, 'fail');
    expect(fail.text).toMatch(/^Sorry/);
    expect(fail.text).not.toMatch(/502|Error/);
    expect(answerer.calls).toHaveLength(3);
    await waitFor(async () => (await jobState(h!, input.eventId)).state === 'failed');
  });

  it('posts idempotently: a retry after a failed final post edits the same message and does not re-run the model', async () => {
    const answerer = createStubAnswerer({ failures: [new TransientError('network dropped mid-stream')], failAfterTokens: true });
    h = await startHarness({ answerer, platform: { finishFailures: [Object.assign(new Error('rate limited'), { status: 429 })] } });
    const input = askInput({ question: 'Explain figure 2' });
    await h.gateway.enqueue(input);
    await finished(h, input.eventId);
    const events = h.platform.events.filter((e) => e.eventId === input.eventId);
    expect(events.filter((e) => e.type === 'post')).toHaveLength(1);
    expect(new Set(events.map((e) => e.messageId)).size).toBe(1);
    expect(events.filter((e) => e.type === 'finish')).toHaveLength(1);
    // attempt 1: stream then fail; attempt 2: answer, post fails (429); attempt 3: cached answer posted.
    expect(answerer.calls).toHaveLength(2);
    const memory = createThreadMemory({ connection: h.connection, config: h.config });
    expect((await memory.get({ platform: 'discord', channelId: 'c1', threadId: 't1' })).turns).toHaveLength(1);
  });

  it('downloads attached images through the platform and passes them to the answerer', async () => {
    const answerer = createStubAnswerer();
    // A real image: attachments are normalised (an 8-bit RGB PNG keeps its bytes); unreadable ones become a note.
    const png = new Uint8Array(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0a0' } }).png().toBuffer());
    h = await startHarness({ answerer, platform: { images: { 'https://cdn.example.test/a.png': png } } });
    const input = askInput({ images: [{ url: 'https://cdn.example.test/a.png', bytes: 4 }] });
    await h.gateway.enqueue(input);
    await finished(h, input.eventId);
    expect(answerer.calls[0]!.images).toEqual([png]);
  });

  it('refuses an image over the size cap without retrying', async () => {
    const answerer = createStubAnswerer();
    h = await startHarness({ answerer });
    const input = askInput({ images: [{ url: 'https://cdn.example.test/huge.png', bytes: 50 * 1024 * 1024 }] });
    await h.gateway.enqueue(input);
    const fail = await finished(h, input.eventId, 'fail');
    expect(fail.text).toMatch(/larger than 10 MB/);
    expect(answerer.calls).toHaveLength(0);
    expect(h.platform.fetchedImages).toHaveLength(0);
  });

  it('reads platform history when the thread has no memory yet', async () => {
    const answerer = createStubAnswerer();
    h = await startHarness({ answerer });
    const earlier = [{ question: 'earlier q', answer: 'earlier a' }];
    h.platform.fetchHistory = async () => earlier;
    const input = askInput({ threadId: 'fresh-thread' });
    await h.gateway.enqueue(input);
    await finished(h, input.eventId);
    expect(answerer.calls[0]!.history).toEqual(earlier);
  });

  it('on shutdown hands an in-flight job back to the queue instead of failing it', async () => {
    const answerer = createStubAnswerer({ tokenDelayMs: 400, text: () => 'one two three four five six seven eight nine ten eleven twelve' });
    h = await startHarness({ answerer, env: { WORKER_SHUTDOWN_TIMEOUT_MS: '300' } });
    const input = askInput();
    await h.gateway.enqueue(input);
    await waitFor(() => answerer.calls.length === 1);
    await h.worker!.close();
    expect(h.platform.events.filter((e) => e.type === 'fail' || e.type === 'finish')).toHaveLength(0);
    const { state, attemptsMade } = await jobState(h, input.eventId);
    expect(['wait', 'delayed']).toContain(state);
    expect(attemptsMade).toBe(0);
  });
});
