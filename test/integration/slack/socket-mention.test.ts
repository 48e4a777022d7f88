// Socket Mode end to end: mentions, follow-ups and what is ignored, asserted on the Web API calls received.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_IMAGE_QUESTION } from '../../../src/bots/slack/handlers.js';
import { PLACEHOLDER_TEXT } from '../../../src/bots/slack/types.js';
import type { AnswerFigure } from '../../../src/rag/types.js';
import { createStubAnswerer } from '../../helpers/stub-answerer.js';
import { eventCallback, mentionEvent, messageEvent } from '../../platforms/slack-standin-payloads.js';
import { APP_TOKEN, BOT_TOKEN, makeFigures, startSlackHarness, type SlackHarness } from './harness.js';

const CHANNEL = 'CGENERAL';
const USER = 'UASKER01';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47]);

let h: SlackHarness;
let figures: AnswerFigure[];
const answerer = createStubAnswerer({
  tokenDelayMs: 40,
  text: (q) =>
    q.includes('broadcast')
      ? 'Attention <!channel> and <!here>: ask <@U0OTHER> in <#C0OTHER|random>. @everyone **done**.'
      : `The **pipeline** has *three* stages for: ${q}. See [the guide](https://docs.test/guide) and \`mrag ingest\`.`,
  get figures() {
    return figures;
  },
  sources: [{ n: 1, id: 'c1', title: 'Guide', section: 'Overview', source: 'https://docs.test/guide', snippet: 's' }],
});

beforeAll(async () => {
  figures = await makeFigures();
  h = await startSlackHarness({ answerer, mode: 'socket', env: { SLACK_CHANNEL_IDS: `${CHANNEL},CSECOND` } });
});
afterAll(async () => {
  await h?.close();
});

/** Deliver an event envelope and check that Bolt acked exactly that envelope. */
async function deliver(event: Record<string, unknown>, eventId?: string, retryAttempt = 0) {
  // The message exists in the channel as Slack would have it (conversations.replies returns it).
  if (!event.subtype && typeof event.ts === 'string' && !h.standIn.messages.get(String(event.channel))?.some((m) => m.ts === event.ts)) {
    h.standIn.addMessage(String(event.channel), { ts: event.ts, user: event.user as string, text: String(event.text), thread_ts: event.thread_ts as string | undefined });
  }
  const payload = eventCallback(h.standIn, event, eventId);
  const ack = await h.standIn.sendEnvelope('events_api', payload, { retryAttempt });
  expect(h.standIn.acks.map((a) => a.envelope_id)).toContain(ack.envelope_id);
  return payload.event_id as string;
}

const postsIn = (channel: string, threadTs?: string) =>
  h.standIn.callsTo('chat.postMessage').filter((c) => c.args.channel === channel && (threadTs === undefined || c.args.thread_ts === threadTs));
const finalEdit = (ts: string) =>
  h.standIn.callsTo('chat.update').find((c) => c.args.ts === ts && Array.isArray(c.args.blocks) && (c.args.blocks as unknown[]).length > 0);

describe('Slack in Socket Mode', () => {
  it('connects with the app token and verifies the bot token', () => {
    expect(h.standIn.callsTo('apps.connections.open')[0]?.token).toBe(APP_TOKEN);
    expect(h.standIn.callsTo('auth.test')[0]?.token).toBe(BOT_TOKEN);
  });

  it('answers a mention: placeholder in the thread → streamed edits → final message + figures uploaded to the thread', async () => {
    const ts = h.standIn.nextTs();
    await deliver(mentionEvent({ channel: CHANNEL, user: USER, text: `<@${h.standIn.botUserId}> how does ingest work?`, ts }));

    const placeholder = await h.standIn.waitFor(() => postsIn(CHANNEL, ts)[0], 10_000, 'placeholder');
    expect(placeholder.args.text).toBe(PLACEHOLDER_TEXT);
    expect(placeholder.token).toBe(BOT_TOKEN);
    const placeholderTs = h.standIn.messages.get(CHANNEL)!.find((m) => m.text !== undefined && m.thread_ts === ts)!.ts;

    const final = await h.standIn.waitFor(() => finalEdit(placeholderTs), 15_000, 'final edit');
    const completes = await h.standIn.waitFor(() => (h.standIn.callsTo('files.completeUploadExternal').length >= 2 ? h.standIn.callsTo('files.completeUploadExternal') : undefined), 10_000, 'uploads');

    // Streaming: at least one partial edit ("…") of the placeholder before the final one.
    const edits = h.standIn.callsTo('chat.update').filter((c) => c.args.ts === placeholderTs);
    const partials = edits.filter((c) => String(c.args.text).endsWith(' …'));
    expect(partials.length).toBeGreaterThanOrEqual(1);
    expect(edits.indexOf(final)).toBeGreaterThan(edits.indexOf(partials[0]!));

    // The final message: mrkdwn, a section block and a Sources context block.
    const blocks = final.args.blocks as { type: string; text?: { text: string }; elements?: { text: string }[] }[];
    expect(blocks[0]!.type).toBe('section');
    expect(blocks[0]!.text!.text).toContain('The *pipeline* has _three_ stages');
    expect(blocks[0]!.text!.text).toContain('<https://docs.test/guide|the guide>');
    expect(blocks[1]).toEqual({ type: 'context', elements: [{ type: 'mrkdwn', text: '*Sources*' }, { type: 'mrkdwn', text: '[1] <https://docs.test/guide|Guide — Overview>' }] });

    // Figures: getUploadURLExternal → POST bytes to the upload URL → completeUploadExternal in the thread.
    const urls = h.standIn.callsTo('files.getUploadURLExternal');
    expect(urls.map((c) => c.args.filename).sort()).toEqual(['figure-1.png', 'figure-2.png']);
    expect(urls.every((c) => c.args.alt_text === `Diagram ${c.args.filename === 'figure-1.png' ? 1 : 2}: the pipeline`)).toBe(true);
    expect(h.standIn.uploads).toHaveLength(2);
    for (const upload of h.standIn.uploads) expect(upload.bytes.subarray(0, 4).equals(PNG_SIGNATURE)).toBe(true);
    for (const c of completes) {
      expect(c.args).toMatchObject({ channel_id: CHANNEL, thread_ts: ts });
      expect((c.args.files as { title: string }[])[0]!.title).toMatch(/^\[F\d\] Diagram \d: the pipeline$/);
    }
    expect(answerer.calls[0]).toMatchObject({ question: 'how does ingest work?', history: [] });
  });

  it('passes an image attached to a mention (url_private, fetched with the bot token) to the answerer', async () => {
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 9, 9, 9]);
    h.standIn.privateFiles.set('/files-pri/T0-F9/screenshot.png', { body: png, contentType: 'image/png' });
    const file = { id: 'F9', name: 'screenshot.png', mimetype: 'image/png', size: png.length, url_private: `${h.standIn.baseUrl}/files-pri/T0-F9/screenshot.png` };
    const pdf = { id: 'F10', name: 'notes.pdf', mimetype: 'application/pdf', size: 10, url_private: `${h.standIn.baseUrl}/files-pri/T0-F10/notes.pdf` };
    await deliver(mentionEvent({ channel: CHANNEL, user: USER, text: `<@${h.standIn.botUserId}>`, ts: h.standIn.nextTs(), files: [file, pdf] }));
    const call = await h.standIn.waitFor(() => answerer.calls.find((c) => c.question === DEFAULT_IMAGE_QUESTION), 10_000, 'image question');
    expect(call.images).toHaveLength(1);
    expect(Buffer.from(call.images[0]!).equals(png)).toBe(true);
  });

  it('answers a follow-up in its own thread without a mention, with the thread history', async () => {
    const rootTs = h.standIn.nextTs();
    await deliver(mentionEvent({ channel: CHANNEL, user: USER, text: `<@${h.standIn.botUserId}> what is CLIP?`, ts: rootTs }));
    await h.answered(CHANNEL, rootTs);

    await deliver(messageEvent({ channel: CHANNEL, user: USER, text: 'and how big is it?', ts: h.standIn.nextTs(), thread_ts: rootTs }));
    const call = await h.standIn.waitFor(() => answerer.calls.find((c) => c.question === 'and how big is it?'), 10_000, 'follow-up answer');
    expect(call.history).toHaveLength(1);
    expect(call.history[0]!.question).toBe('what is CLIP?');
    expect(call.history[0]!.answer).toContain('what is CLIP?');
    expect(postsIn(CHANNEL, rootTs)).toHaveLength(2); // one placeholder per question, both in the thread
  });

  it('reads an existing thread as history when mentioned inside it', async () => {
    const root = h.standIn.addMessage('CSECOND', { user: 'UOTHER01', text: 'Our deploy fails with error E42' });
    h.standIn.addMessage('CSECOND', { user: 'UOTHER02', text: 'Same here since Monday', thread_ts: root.ts });
    const ts = h.standIn.nextTs();
    await deliver(mentionEvent({ channel: 'CSECOND', user: USER, text: `<@${h.standIn.botUserId}> what does E42 mean?`, ts, thread_ts: root.ts }));
    const call = await h.standIn.waitFor(() => answerer.calls.find((c) => c.question === 'what does E42 mean?'), 10_000, 'answer');
    expect(h.standIn.callsTo('conversations.replies').some((c) => c.args.channel === 'CSECOND' && c.args.ts === root.ts)).toBe(true);
    expect(call.history).toEqual([{ question: 'Our deploy fails with error E42\nSame here since Monday', answer: '' }]);
    expect(postsIn('CSECOND', root.ts)[0]?.args.text).toBe(PLACEHOLDER_TEXT);
  });

  it('ignores messages in threads it did not answer in, bot messages, edits, deletes and other channels', async () => {
    const before = h.standIn.callsTo('chat.postMessage').length;
    const foreignThread = h.standIn.nextTs();
    await deliver(messageEvent({ channel: CHANNEL, user: USER, text: 'unrelated chat', ts: h.standIn.nextTs(), thread_ts: foreignThread }));
    await h.handled('not-bot-thread');

    const botThread = postsIn(CHANNEL)[0]!.args.thread_ts as string;
    await deliver(messageEvent({ channel: CHANNEL, user: 'UOTHERBOT', bot_id: 'B0OTHER', subtype: 'bot_message', text: 'beep', ts: h.standIn.nextTs(), thread_ts: botThread }));
    await deliver({ ...messageEvent({ channel: CHANNEL, user: USER, text: '', ts: h.standIn.nextTs(), thread_ts: botThread }), subtype: 'message_changed', message: { text: 'edited' } });
    await deliver({ ...messageEvent({ channel: CHANNEL, user: USER, text: '', ts: h.standIn.nextTs(), thread_ts: botThread }), subtype: 'message_deleted' });
    await h.handled('ignored', 3);

    await deliver(mentionEvent({ channel: 'COUTSIDE', user: USER, text: `<@${h.standIn.botUserId}> hello?`, ts: h.standIn.nextTs() }));
    await h.handled('not-allowed');

    expect(h.standIn.callsTo('chat.postMessage')).toHaveLength(before);
  });

  it('answers once when Slack redelivers the same event_id (retry_attempt 1)', async () => {
    const ts = h.standIn.nextTs();
    const event = mentionEvent({ channel: CHANNEL, user: USER, text: `<@${h.standIn.botUserId}> retried question`, ts });
    const eventId = await deliver(event);
    await deliver(event, eventId, 1);
    await h.handled('duplicate');
    await h.standIn.waitFor(() => answerer.calls.find((c) => c.question === 'retried question'), 10_000, 'answer');
    expect(postsIn(CHANNEL, ts)).toHaveLength(1);
    expect(answerer.calls.filter((c) => c.question === 'retried question')).toHaveLength(1);
  });

  it('neutralises <!channel>, <!here>, user and channel mentions the model writes, while streaming and at the end', async () => {
    const ts = h.standIn.nextTs();
    await deliver(mentionEvent({ channel: CHANNEL, user: USER, text: `<@${h.standIn.botUserId}> broadcast test`, ts }));
    const placeholderTs = await h.standIn.waitFor(() => h.standIn.messages.get(CHANNEL)!.find((m) => m.thread_ts === ts)?.ts, 10_000, 'placeholder');
    const final = await h.standIn.waitFor(() => finalEdit(placeholderTs), 15_000, 'final');
    const sent = h.standIn.callsTo('chat.update').filter((c) => c.args.ts === placeholderTs).map((c) => JSON.stringify(c.args));
    for (const s of sent) expect(s).not.toMatch(/<!channel>|<!here>|<@U0OTHER>|<#C0OTHER/);
    const text = (final.args.blocks as { text: { text: string } }[])[0]!.text.text;
    expect(text).toBe('Attention @\u200Bchannel and @\u200Bhere: ask @\u200BU0OTHER in #random. @\u200Beveryone *done*.');
  });

  it('tells the user in the thread when a question is too long (20 000 characters), and asks nothing', async () => {
    const ts = h.standIn.nextTs();
    const question = 'why '.repeat(5000);
    const callsBefore = answerer.calls.length;
    await deliver(mentionEvent({ channel: CHANNEL, user: USER, text: `<@${h.standIn.botUserId}> ${question}`, ts }));
    await h.handled('invalid');
    const placeholderTs = h.standIn.messages.get(CHANNEL)!.find((m) => m.thread_ts === ts)!.ts;
    const warning = h.standIn.callsTo('chat.update').find((c) => c.args.ts === placeholderTs);
    expect(String(warning?.args.text)).toMatch(/too long/i);
    expect(answerer.calls.length).toBe(callsBefore);
  });

  it('retries a Web API call answered with ratelimited + Retry-After', async () => {
    h.standIn.rateLimitNext('chat.postMessage', 1);
    const ts = h.standIn.nextTs();
    await deliver(mentionEvent({ channel: CHANNEL, user: USER, text: `<@${h.standIn.botUserId}> rate limited question`, ts }));
    await h.standIn.waitFor(() => answerer.calls.find((c) => c.question === 'rate limited question'), 15_000, 'answer');
    const attempts = postsIn(CHANNEL, ts);
    expect(attempts).toHaveLength(2); // the 429, then the retry after Retry-After
    expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(900);
    expect(attempts[0]!.args).toEqual(attempts[1]!.args);
  });
});
