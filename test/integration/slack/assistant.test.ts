// Slack's AI-app surface end to end, in Socket Mode with the default SLACK_NATIVE_STREAMING=auto: the real Bolt
// `Assistant` greets and suggests prompts drawn from the knowledge base's document titles, a question sets the
// status and title, is answered through the real queue and worker as a native stream, figures follow, the status
// is cleared, and a 👍 click is acknowledged, stored with the answer and shown on the message.
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEEDBACK_ACTION_ID, FEEDBACK_BLOCK_ID } from '../../../src/bots/slack/types.js';
import { createAskQueue } from '../../../src/queue/ask-queue.js';
import { askJobId } from '../../../src/queue/keys.js';
import { IndexStore } from '../../../src/rag/index/store.js';
import type { AnswerFigure } from '../../../src/rag/types.js';
import { createStubAnswerer } from '../../helpers/stub-answerer.js';
import { assistantContextChanged, assistantThreadStarted, blockActions, eventCallback, messageEvent } from '../../platforms/slack-standin-payloads.js';
import { makeFigures, startSlackHarness, type SlackHarness } from './harness.js';

const DM = 'D0ASSIST1';
const USER = 'UASKER01';
const TITLES = ['Zebra handling', 'Architecture overview', 'Ingest pipeline', 'Search and ranking', 'Deployment guide'];

let h: SlackHarness;
let figures: AnswerFigure[];
const answerer = createStubAnswerer({
  tokenDelayMs: 30,
  text: (q) => `The **ingest** step parses ${q.length} characters of question into chunks and figures, then embeds them [1]. <!here> see [F1].`,
  get figures() {
    return figures;
  },
  sources: [{ n: 1, id: 'c1', title: 'Guide', section: 'Ingest', source: 'https://docs.test/ingest', snippet: 's' }],
});

/** A real index with five documents (no chunks needed): the bot reads their titles for the prompts. */
async function knowledgeBase(): Promise<string> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'mrag-slack-kb-'));
  const store = await IndexStore.create(dir, 'test-model', 4);
  for (const [i, title] of TITLES.entries()) {
    await store.replaceDocument({ docId: `d${i}`, source: `kb/${i}.md`, kind: 'markdown', title, hash: `h${i}`, chunks: 0, figures: 0, ingestedAt: new Date().toISOString() }, [], []);
  }
  await store.commit();
  await store.close();
  return dir;
}

beforeAll(async () => {
  figures = await makeFigures();
  h = await startSlackHarness({ answerer, mode: 'socket', env: { SLACK_NATIVE_STREAMING: 'auto', DATA_DIR: await knowledgeBase() } });
});
afterAll(async () => {
  await h?.close();
});

const deliver = (event: Record<string, unknown>) => h.standIn.sendEnvelope('events_api', eventCallback(h.standIn, event));

/** A user message in the assistant thread, as Slack stores and delivers it. */
async function ask(threadTs: string, text: string): Promise<string> {
  const ts = h.standIn.nextTs();
  h.standIn.addMessage(DM, { ts, user: USER, text, thread_ts: threadTs });
  await deliver(messageEvent({ channel: DM, channel_type: 'im', user: USER, text, ts, thread_ts: threadTs }));
  return ts;
}

async function jobMeta(ts: string): Promise<Record<string, string>> {
  const queue = createAskQueue(h.connection, h.config);
  try {
    return (await queue.getJob(askJobId('slack', `${DM}:${ts}`)))!.data.meta;
  } finally {
    await queue.close();
  }
}

describe('Slack assistant threads (Bolt Assistant)', () => {
  it('greets a new thread and suggests at most 4 prompts drawn from the document titles', async () => {
    const threadTs = h.standIn.nextTs();
    await deliver(assistantThreadStarted(h.standIn, { channel: DM, user: USER, threadTs, viewing: 'CVIEWED1' }));
    const prompts = await h.standIn.waitFor(() => h.standIn.callsTo('assistant.threads.setSuggestedPrompts')[0], 10_000, 'prompts');
    expect(prompts.args).toMatchObject({ channel_id: DM, thread_ts: threadTs });
    const list = prompts.args.prompts as { title: string; message: string }[];
    expect(list).toHaveLength(4);
    // Sorted titles, first four: the fifth ("Zebra handling") is left out.
    expect(list.map((p) => p.title)).toEqual(['Explain “Architecture overview”', 'Explain “Deployment guide”', 'Explain “Ingest pipeline”', 'Explain “Search and ranking”']);
    expect(list[0]!.message).toContain('Architecture overview');
    const greeting = h.standIn.botMessagesIn(DM, threadTs)[0]!;
    expect(greeting.text).toMatch(/^Hi!/);
    // Bolt's say() stores the thread context in the greeting's metadata, so it survives a restart.
    expect(greeting.metadata).toEqual({ event_type: 'assistant_thread_context', event_payload: { channel_id: 'CVIEWED1', team_id: h.standIn.teamId, enterprise_id: null } });
  });

  it('question → status → title → native stream → figures → status cleared; the job says which channel the user viewed', async () => {
    const threadTs = h.standIn.nextTs();
    await deliver(assistantThreadStarted(h.standIn, { channel: DM, user: USER, threadTs, viewing: 'CVIEWED2' }));
    await h.handled('greeted', 2);
    const question = 'How does the ingest pipeline split documents into chunks?';
    const ts = await ask(threadTs, question);
    await h.answered(DM, ts);
    const key = `${DM}:${threadTs}`;

    const status = h.standIn.callsTo('assistant.threads.setStatus').filter((c) => c.args.thread_ts === threadTs);
    expect(status.map((c) => c.args.status)).toEqual(['Searching the docs…', '']);
    expect(h.standIn.statuses.get(key)).toBe('');
    const title = h.standIn.callsTo('assistant.threads.setTitle').find((c) => c.args.thread_ts === threadTs);
    expect(title?.args.title).toBe(question);

    // No placeholder: the status shows progress; then one streamed message.
    const start = h.standIn.callsTo('chat.startStream').find((c) => c.args.thread_ts === threadTs)!;
    expect(start.args).toMatchObject({ channel: DM, recipient_user_id: USER, recipient_team_id: h.standIn.teamId });
    const appends = h.standIn.callsTo('chat.appendStream').filter((c) => c.args.ts !== undefined);
    const stop = h.standIn.callsTo('chat.stopStream').find((c) => c.args.channel === DM)!;
    const streamTs = String(stop.args.ts);
    expect(appends.filter((c) => c.args.ts === streamTs).length).toBeGreaterThanOrEqual(1);
    const answer = h.standIn.botMessagesIn(DM, threadTs).filter((m) => !m.text.startsWith('Hi!'));
    expect(answer).toHaveLength(1);
    expect(answer[0]!.ts).toBe(streamTs);
    expect(answer[0]!.streaming).toBe(false);
    expect(answer[0]!.text).toBe(
      `The **ingest** step parses ${question.length} characters of question into chunks and figures, then embeds them [1]. @\u200Bhere see [F1].`,
    );
    const blockTypes = (stop.args.blocks as { type: string }[]).map((b) => b.type);
    expect(blockTypes).toEqual(['context', 'context_actions']);

    // Figures after the stream stopped, into the thread.
    const stopIndex = h.standIn.calls.indexOf(stop);
    const uploads = h.standIn.callsTo('files.completeUploadExternal').filter((c) => c.args.thread_ts === threadTs);
    expect(uploads).toHaveLength(2);
    for (const upload of uploads) expect(h.standIn.calls.indexOf(upload)).toBeGreaterThan(stopIndex);

    expect(await jobMeta(ts)).toMatchObject({ assistant: '1', viewingChannel: 'CVIEWED2', inThread: '1', messageTs: ts });

    // A second question: the title stays, the context follows the user to another channel.
    await deliver(assistantContextChanged(h.standIn, { channel: DM, user: USER, threadTs, viewing: 'CVIEWED3' }));
    await h.handled('context-saved');
    const ts2 = await ask(threadTs, 'And the figures?');
    await h.answered(DM, ts2);
    expect(h.standIn.callsTo('assistant.threads.setTitle').filter((c) => c.args.thread_ts === threadTs)).toHaveLength(1);
    expect((await jobMeta(ts2)).viewingChannel).toBe('CVIEWED3');
    const call = answerer.calls.find((c) => c.question === 'And the figures?')!;
    expect(call.history.map((t) => t.question)).toEqual([question]);
  });

  it('a 👍 click is acked, stored with the question, answer, sources and figures, and shown on the message', async () => {
    const threadTs = h.standIn.nextTs();
    await deliver(assistantThreadStarted(h.standIn, { channel: DM, user: USER, threadTs }));
    const ts = await ask(threadTs, 'Which figure shows the pipeline?');
    await h.answered(DM, ts);
    const answerMessage = h.standIn.botMessagesIn(DM, threadTs).find((m) => m.blocks?.some((b) => b.block_id === FEEDBACK_BLOCK_ID))!;
    const feedback = answerMessage.blocks!.find((b) => b.block_id === FEEDBACK_BLOCK_ID) as { elements: { positive_button: { value: string } }[] };
    const answerId = askJobId('slack', `${DM}:${ts}`);
    expect(feedback.elements[0]!.positive_button.value).toBe(`up:${answerId}`);

    const click = blockActions(h.standIn, { channel: DM, messageTs: answerMessage.ts, user: 'URATER01', actionId: FEEDBACK_ACTION_ID, value: `up:${answerId}` });
    const ack = await h.standIn.sendEnvelope('interactive', click);
    expect(ack.envelope_id).toBeTruthy();
    await h.handled('stored');

    const stored = (await h.feedback.export()).find((e) => e.answerId === answerId)!;
    expect(stored).toMatchObject({ platform: 'slack', userId: 'URATER01', rating: 'up', question: 'Which figure shows the pipeline?', channelId: DM, threadId: threadTs });
    expect(stored.answer).toContain('The **ingest** step');
    expect(stored.sources).toEqual([{ n: 1, title: 'Guide', section: 'Ingest', source: 'https://docs.test/ingest' }]);
    expect(stored.figures.map((f) => f.id)).toEqual(['fig-1', 'fig-2']);

    const marked = h.standIn.messages.get(DM)!.find((m) => m.ts === answerMessage.ts)!;
    expect(marked.blocks!.some((b) => b.block_id === FEEDBACK_BLOCK_ID)).toBe(false);
    expect(JSON.stringify(marked.blocks)).toContain('Rated helpful');

    // A 👎 on an answer the store does not know (expired): told privately, nothing stored.
    const unknown = blockActions(h.standIn, { channel: DM, messageTs: answerMessage.ts, user: 'URATER02', actionId: FEEDBACK_ACTION_ID, value: 'down:slack-expired' });
    await h.standIn.sendEnvelope('interactive', unknown);
    await h.handled('unknown-answer');
    expect(await h.standIn.waitFor(() => h.standIn.responses.find((r) => String(r.text).includes('too old')), 5000, 'ephemeral')).toMatchObject({ response_type: 'ephemeral' });
    expect((await h.feedback.export()).filter((e) => e.userId === 'URATER02')).toEqual([]);
  });

  it('a follow-up in an ordinary DM thread (no assistant status) gets a placeholder instead', async () => {
    const rootTs = h.standIn.nextTs();
    h.standIn.addMessage(DM, { ts: rootTs, user: USER, text: 'root question' });
    const ts = await ask(rootTs, 'a DM thread question');
    await h.answered(DM, ts);
    expect(h.standIn.callsTo('chat.postMessage').some((c) => c.args.thread_ts === rootTs && String(c.args.text).includes('Searching the docs'))).toBe(true);
    expect(await jobMeta(ts)).not.toHaveProperty('assistant');
  });
});
