// Native streaming (chat.startStream → appendStream → stopStream) as the default for mentions in channels
// (SLACK_NATIVE_STREAMING=auto): sanitised text, the placeholder removed, figures after the stream; when Slack refuses
// streaming the answer comes once through placeholder edits and the workspace is remembered; a job retried mid-stream
// continues its stream; a stream Slack ended early, and refused blocks, still leave exactly one complete answer.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { TransientError } from '../../../src/queue/errors.js';
import type { AnswerFigure } from '../../../src/rag/types.js';
import { createStubAnswerer } from '../../helpers/stub-answerer.js';
import { eventCallback, mentionEvent } from '../../platforms/slack-standin-payloads.js';
import { makeFigures, startSlackHarness, type SlackHarness } from './harness.js';

const USER = 'UASKER01';
const TABLE = '| Model | Dim |\n|---|---:|\n| CLIP | 512 |\n| SigLIP | 768 |';

let h: SlackHarness;
let figures: AnswerFigure[];
const answerer = createStubAnswerer({
  tokenDelayMs: 25,
  text: (q) =>
    q.includes('table')
      ? `Two models compare as follows:\n\n${TABLE}\n\nBoth embed images.`
      : `Streaming answer for ${q}: <!channel> the @here pipeline has <@U0OTHER> three stages [1].`,
  get figures() {
    return figures;
  },
  sources: [{ n: 1, id: 'c1', title: 'Guide', section: 'Overview', source: 'https://docs.test/guide', snippet: 's' }],
});

beforeAll(async () => {
  figures = await makeFigures();
  h = await startSlackHarness({ answerer, mode: 'socket', env: { SLACK_NATIVE_STREAMING: 'auto', WORKER_BACKOFF_MS: '300' } });
});
afterAll(async () => {
  await h?.close();
});
beforeEach(() => {
  h.standIn.streamRefusal = undefined;
  h.standIn.refusedBlockTypes.clear();
});

/** A mention in `channel`, delivered for `team`; returns its ts once the job is answered. */
async function mention(channel: string, question: string, team?: string): Promise<string> {
  const ts = h.standIn.nextTs();
  h.standIn.addMessage(channel, { ts, user: USER, text: `<@${h.standIn.botUserId}> ${question}` });
  const payload = eventCallback(h.standIn, mentionEvent({ channel, user: USER, text: `<@${h.standIn.botUserId}> ${question}`, ts }));
  if (team) payload.team_id = team;
  await h.standIn.sendEnvelope('events_api', payload);
  await h.answered(channel, ts);
  return ts;
}

const streamCalls = (method: string, channel: string) => h.standIn.callsTo(method).filter((c) => c.args.channel === channel);

describe('Slack native streaming', () => {
  it('streams a mention\'s answer in its thread, sanitised, removes the placeholder and uploads the figures after stopStream', async () => {
    const ts = await mention('CSTREAM1', 'how does it work?');
    const [start] = streamCalls('chat.startStream', 'CSTREAM1');
    expect(start!.args).toMatchObject({ thread_ts: ts, recipient_user_id: USER, recipient_team_id: h.standIn.teamId });
    const messages = h.standIn.botMessagesIn('CSTREAM1', ts);
    expect(messages).toHaveLength(1); // the placeholder was deleted once the stream showed the answer
    const placeholder = h.standIn.callsTo('chat.postMessage').find((c) => c.args.channel === 'CSTREAM1')!;
    expect(h.standIn.callsTo('chat.delete').some((c) => c.args.channel === 'CSTREAM1')).toBe(true);
    expect(placeholder.args.thread_ts).toBe(ts);
    expect(messages[0]!.text).toBe('Streaming answer for how does it work?: @\u200Bchannel the @\u200Bhere pipeline has @\u200BU0OTHER three stages [1].');
    // Nothing sent on the wire could ping: no <!channel>, no <@U…>, no bare @here.
    for (const c of [...streamCalls('chat.startStream', 'CSTREAM1'), ...streamCalls('chat.appendStream', 'CSTREAM1'), ...streamCalls('chat.stopStream', 'CSTREAM1')]) {
      expect(String(c.args.markdown_text ?? '')).not.toMatch(/<!|<@|(^|[^\u200B])@here/);
    }
    expect(streamCalls('chat.appendStream', 'CSTREAM1').length).toBeGreaterThanOrEqual(1);
    const stop = streamCalls('chat.stopStream', 'CSTREAM1')[0]!;
    expect((stop.args.blocks as { type: string }[]).map((b) => b.type)).toEqual(['context', 'context_actions']);
    const firstUpload = h.standIn.calls.findIndex((c) => c.method === 'files.completeUploadExternal' && c.args.channel_id === 'CSTREAM1');
    expect(firstUpload).toBeGreaterThan(h.standIn.calls.indexOf(stop));
    expect(h.standIn.callsTo('files.completeUploadExternal').filter((c) => c.args.channel_id === 'CSTREAM1' && c.args.thread_ts === ts)).toHaveLength(2);
  });

  it('renders a Markdown table as a code block in the stream, never half a table', async () => {
    const ts = await mention('CSTREAM2', 'show the table');
    const [message] = h.standIn.botMessagesIn('CSTREAM2', ts);
    expect(message!.text).toBe('Two models compare as follows:\n\n```\nModel  | Dim\n-------+----\nCLIP   | 512\nSigLIP | 768\n```\n\nBoth embed images.');
    for (const c of [...streamCalls('chat.startStream', 'CSTREAM2'), ...streamCalls('chat.appendStream', 'CSTREAM2')]) {
      expect(String(c.args.markdown_text)).not.toContain('|---');
    }
  });

  it.each(['not_allowed', 'missing_scope', 'unknown_method', 'method_deprecated'])(
    'Slack refuses streaming with %s: answered once by placeholder edits, and the workspace is remembered',
    async (code) => {
      const team = `T0REFUSE${code.length}${code.slice(0, 3).toUpperCase()}`;
      const channel = `CREF${code.slice(0, 4).toUpperCase()}`;
      h.standIn.streamRefusal = code;
      const ts = await mention(channel, `refused ${code}`, team);
      const messages = h.standIn.botMessagesIn(channel, ts);
      expect(messages).toHaveLength(1);
      expect(messages[0]!.text).toContain(`Streaming answer for refused ${code}`);
      expect(messages[0]!.blocks!.map((b) => b.type)).toEqual(['section', 'context', 'context_actions']);
      expect(streamCalls('chat.startStream', channel)).toHaveLength(1);

      // The next question in that workspace goes straight to placeholder edits, even once Slack would stream.
      h.standIn.streamRefusal = undefined;
      const again = await mention(channel, `second ${code}`, team);
      expect(streamCalls('chat.startStream', channel)).toHaveLength(1);
      expect(h.standIn.botMessagesIn(channel, again)).toHaveLength(1);
      expect(await h.connection.get(`${h.config.redis.prefix}:slack:native-stream-refused:${team}`)).toBe(code);
    },
  );

  it('a job retried mid-stream continues its stream: one stream, one complete answer', async () => {
    let streamedBeforeRetry = '';
    // The first attempt streams every token, then the model connection fails (transient): BullMQ retries the job.
    const flaky = createStubAnswerer({
      tokenDelayMs: 25,
      failures: [new TransientError('model connection reset mid-answer')],
      failAfterTokens: true,
      text: (q) => `Retried answer for ${q}, told in several words so that it streams in parts.`,
      onStart: () => {
        streamedBeforeRetry = h2.standIn.messages.get('CRETRY')?.find((m) => m.streaming)?.text ?? '';
      },
    });
    const h2 = await startSlackHarness({ answerer: flaky, mode: 'socket', env: { SLACK_NATIVE_STREAMING: 'auto', WORKER_BACKOFF_MS: '300' } });
    try {
      const ts = h2.standIn.nextTs();
      await h2.standIn.sendEnvelope('events_api', eventCallback(h2.standIn, mentionEvent({ channel: 'CRETRY', user: USER, text: `<@${h2.standIn.botUserId}> the question`, ts })));
      await h2.answered('CRETRY', ts);
      expect(flaky.calls).toHaveLength(2);
      expect(h2.logs.some((l) => l.includes('transient failure; will retry'))).toBe(true);
      // The first attempt had streamed most of the answer before failing.
      expect(streamedBeforeRetry.length).toBeGreaterThan(20);
      expect(h2.standIn.callsTo('chat.startStream')).toHaveLength(1);
      expect(h2.standIn.callsTo('chat.stopStream')).toHaveLength(1);
      const messages = h2.standIn.botMessagesIn('CRETRY', ts);
      expect(messages).toHaveLength(1);
      expect(messages[0]!.text).toBe('Retried answer for the question, told in several words so that it streams in parts.');
    } finally {
      await h2.close();
    }
  });

  it('a stream Slack ended early (message_not_in_streaming_state) is replaced by the full answer', async () => {
    const channel = 'CEXPIRE';
    const watcher = h.standIn.waitFor(() => streamCalls('chat.startStream', channel)[0], 15_000, 'stream start').then(() => {
      const stream = h.standIn.messages.get(channel)!.find((m) => m.streaming)!;
      h.standIn.expireStream(channel, stream.ts);
    });
    const ts = await mention(channel, 'an expiring stream');
    await watcher;
    const messages = h.standIn.botMessagesIn(channel, ts);
    expect(messages).toHaveLength(1);
    expect(messages[0]!.text).toBe('Streaming answer for an expiring stream: @\u200Bchannel the @\u200Bhere pipeline has @\u200BU0OTHER three stages [1].');
    expect(messages[0]!.blocks!.map((b) => b.type)).toEqual(['section', 'context', 'context_actions']);
  });

  it('refused blocks fall back: ordinary buttons instead of feedback_buttons, then the sources as text', async () => {
    h.standIn.refusedBlockTypes.add('context_actions');
    const ts = await mention('CBLOCKS1', 'blocks refused once');
    const [message] = h.standIn.botMessagesIn('CBLOCKS1', ts);
    expect(message!.blocks!.map((b) => b.type)).toEqual(['context', 'actions']);
    expect(JSON.stringify(message!.blocks)).toContain('mrag_feedback_up');

    h.standIn.refusedBlockTypes.add('actions').add('context');
    const ts2 = await mention('CBLOCKS2', 'blocks refused always');
    const [plain] = h.standIn.botMessagesIn('CBLOCKS2', ts2);
    expect(plain!.blocks).toBeUndefined();
    expect(plain!.text).toMatch(/three stages \[1\]\.\n\n\*Sources\*\n\[1\] <https:\/\/docs\.test\/guide\|Guide — Overview>$/);
  });

  it('SLACK_NATIVE_STREAMING=false never streams', async () => {
    const off = await startSlackHarness({ answerer, mode: 'socket', env: { SLACK_NATIVE_STREAMING: 'false' } });
    try {
      const ts = off.standIn.nextTs();
      await off.standIn.sendEnvelope('events_api', eventCallback(off.standIn, mentionEvent({ channel: 'COFF', user: USER, text: `<@${off.standIn.botUserId}> off question`, ts })));
      await off.answered('COFF', ts);
      expect(off.standIn.callsTo('chat.startStream')).toEqual([]);
      expect(off.standIn.botMessagesIn('COFF', ts)).toHaveLength(1);
    } finally {
      await off.close();
    }
  });

  it('SLACK_NATIVE_STREAMING=true falls back for the one answer Slack refuses, and tries streaming again next time', async () => {
    const on = await startSlackHarness({ answerer, mode: 'socket', env: { SLACK_NATIVE_STREAMING: 'true' } });
    try {
      on.standIn.streamRefusal = 'not_allowed';
      for (const question of ['first forced', 'second forced']) {
        const ts = on.standIn.nextTs();
        await on.standIn.sendEnvelope('events_api', eventCallback(on.standIn, mentionEvent({ channel: 'CON', user: USER, text: `<@${on.standIn.botUserId}> ${question}`, ts })));
        await on.answered('CON', ts);
        expect(on.standIn.botMessagesIn('CON', ts)).toHaveLength(1);
      }
      expect(on.standIn.callsTo('chat.startStream')).toHaveLength(2);
      expect(await on.connection.exists(`${on.config.redis.prefix}:slack:native-stream-refused:${on.standIn.teamId}`)).toBe(0);
    } finally {
      await on.close();
    }
  });
});
