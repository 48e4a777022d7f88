// HTTP mode: signed requests are answered; bad or stale signatures get 401 and are logged without the body;
// a redelivery with X-Slack-Retry-Num of the same event_id, or of the same message under a new event_id, yields one
// answer; the assistant surface and 👍/👎 clicks (form-encoded block_actions) work over HTTP too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FEEDBACK_ACTION_ID, FEEDBACK_BLOCK_ID } from '../../../src/bots/slack/types.js';
import { askJobId } from '../../../src/queue/keys.js';
import { createStubAnswerer } from '../../helpers/stub-answerer.js';
import { assistantThreadStarted, blockActions, eventCallback, interactiveForm, mentionEvent, postSigned, slashCommand } from '../../platforms/slack-standin-payloads.js';
import { SIGNING_SECRET, startSlackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;
const answerer = createStubAnswerer();

beforeAll(async () => {
  h = await startSlackHarness({ answerer, mode: 'http' });
});
afterAll(async () => {
  await h?.close();
});

describe('Slack in HTTP mode', () => {
  it('does not open a socket and listens on its own port', () => {
    expect(h.adapter.mode).toBe('http');
    expect(h.standIn.callsTo('apps.connections.open')).toHaveLength(0);
  });

  it('answers a correctly signed mention once, even when redelivered with X-Slack-Retry-Num: 1', async () => {
    const ts = h.standIn.nextTs();
    const body = eventCallback(h.standIn, mentionEvent({ channel: 'CGENERAL', user: 'UASKER01', text: `<@${h.standIn.botUserId}> signed question`, ts }));
    const first = await postSigned(h.eventsUrl, body, { secret: SIGNING_SECRET });
    expect(first.status).toBe(200);
    const retry = await postSigned(h.eventsUrl, body, { secret: SIGNING_SECRET, retryNum: 1 });
    expect(retry.status).toBe(200);
    await h.handled('duplicate');
    await h.standIn.waitFor(() => answerer.calls.find((c) => c.question === 'signed question'), 10_000, 'answer');
    const placeholderTs = h.standIn.messages.get('CGENERAL')!.find((m) => m.thread_ts === ts)!.ts;
    await h.standIn.waitFor(() => h.standIn.callsTo('chat.update').find((c) => c.args.ts === placeholderTs && Array.isArray(c.args.blocks)), 10_000, 'final');
    expect(h.standIn.callsTo('chat.postMessage').filter((c) => c.args.thread_ts === ts)).toHaveLength(1);
    expect(answerer.calls.filter((c) => c.question === 'signed question')).toHaveLength(1);
  });

  it('rejects a badly signed and a stale request with 401 and logs them without the body', async () => {
    const marker = 'SECRET-BODY-MARKER-7f3a';
    const event = (ts: string) => eventCallback(h.standIn, mentionEvent({ channel: 'CGENERAL', user: 'UASKER02', text: `<@${h.standIn.botUserId}> ${marker}`, ts }));
    const bad = await postSigned(h.eventsUrl, event(h.standIn.nextTs()), { secret: 'not-the-signing-secret' });
    expect(bad.status).toBe(401);
    const stale = await postSigned(h.eventsUrl, event(h.standIn.nextTs()), { secret: SIGNING_SECRET, timestamp: Math.floor(Date.now() / 1000) - 6 * 60 });
    expect(stale.status).toBe(401);
    const unsigned = await fetch(h.eventsUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(event(h.standIn.nextTs())) });
    expect(unsigned.status).toBe(401);

    const warnings = h.logs.filter((l) => l.includes('Failed to parse and verify the request data'));
    expect(warnings).toHaveLength(3);
    expect(warnings.some((l) => l.includes('signature mismatch'))).toBe(true);
    expect(warnings.some((l) => l.includes('stale'))).toBe(true);
    expect(h.logs.join('\n')).not.toContain(marker);
    expect(h.logs.join('\n')).not.toContain(SIGNING_SECRET);
    expect(answerer.calls.map((c) => c.question)).not.toContain(marker);
  });

  it('acks a signed /ask (form-encoded) with 200 and answers in the root message thread', async () => {
    const payload = slashCommand(h.standIn, { channel: 'CHTTP', user: 'UASKER03', text: 'http slash question' });
    const res = await postSigned(h.eventsUrl, payload, { secret: SIGNING_SECRET, form: true });
    expect(res.status).toBe(200);
    const root = await h.standIn.waitFor(() => h.standIn.callsTo('chat.postMessage').find((c) => c.args.channel === 'CHTTP' && !c.args.thread_ts), 10_000, 'root');
    expect(root.args.text).toBe('<@UASKER03> asked: http slash question');
    const rootTs = h.standIn.messages.get('CHTTP')![0]!.ts;
    await h.standIn.waitFor(() => answerer.calls.find((c) => c.question === 'http slash question'), 10_000, 'answer');
    await h.standIn.waitFor(() => h.standIn.callsTo('chat.postMessage').find((c) => c.args.channel === 'CHTTP' && c.args.thread_ts === rootTs), 10_000, 'placeholder');
  });

  it('answers once when the same message comes again under a new event_id without a retry header', async () => {
    const ts = h.standIn.nextTs();
    const event = mentionEvent({ channel: 'CHTTPDUP', user: 'UASKER04', text: `<@${h.standIn.botUserId}> http duplicate`, ts });
    for (const eventId of ['Ev0HTTPA0001', 'Ev0HTTPB0002']) {
      expect((await postSigned(h.eventsUrl, eventCallback(h.standIn, event, eventId), { secret: SIGNING_SECRET })).status).toBe(200);
    }
    await h.answered('CHTTPDUP', ts);
    await h.handled('duplicate', 2);
    expect(answerer.calls.filter((c) => c.question === 'http duplicate')).toHaveLength(1);
  });

  it('greets an assistant thread with suggested prompts (generic ones when no index is readable)', async () => {
    const threadTs = h.standIn.nextTs();
    const res = await postSigned(h.eventsUrl, eventCallback(h.standIn, assistantThreadStarted(h.standIn, { channel: 'D0HTTP01', user: 'UASKER05', threadTs })), { secret: SIGNING_SECRET });
    expect(res.status).toBe(200);
    const prompts = await h.standIn.waitFor(() => h.standIn.callsTo('assistant.threads.setSuggestedPrompts')[0], 10_000, 'prompts');
    expect((prompts.args.prompts as { title: string }[]).map((p) => p.title)).toEqual(['What can you answer?', 'How do I get started?', 'Show me a key diagram']);
  });

  it('stores a 👎 clicked on an ordinary button (form-encoded block_actions) and marks the message', async () => {
    const ts = h.standIn.nextTs();
    await postSigned(h.eventsUrl, eventCallback(h.standIn, mentionEvent({ channel: 'CHTTPFB', user: 'UASKER06', text: `<@${h.standIn.botUserId}> rate me`, ts })), { secret: SIGNING_SECRET });
    await h.answered('CHTTPFB', ts);
    const answer = h.standIn.botMessagesIn('CHTTPFB', ts)[0]!;
    const answerId = askJobId('slack', `CHTTPFB:${ts}`);
    const click = blockActions(h.standIn, { channel: 'CHTTPFB', messageTs: answer.ts, user: 'URATER09', actionId: `${FEEDBACK_ACTION_ID}_down`, value: `down:${answerId}`, elementType: 'button' });
    const res = await postSigned(h.eventsUrl, interactiveForm(click), { secret: SIGNING_SECRET, form: true });
    expect(res.status).toBe(200);
    await h.handled('stored');
    expect((await h.feedback.export()).find((e) => e.answerId === answerId)).toMatchObject({ rating: 'down', userId: 'URATER09', question: 'rate me' });
    const marked = h.standIn.messages.get('CHTTPFB')!.find((m) => m.ts === answer.ts)!;
    expect(marked.blocks!.some((b) => b.block_id === FEEDBACK_BLOCK_ID)).toBe(false);
    expect(JSON.stringify(marked.blocks)).toContain('Rated not helpful');
  });
});
