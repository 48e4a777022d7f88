// `/ask` over Socket Mode: acked by envelope_id, root message + threaded answer, or an ephemeral how-to-invite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { INVITE_HELP } from '../../../src/bots/slack/handlers.js';
import { PLACEHOLDER_TEXT } from '../../../src/bots/slack/types.js';
import { createStubAnswerer } from '../../helpers/stub-answerer.js';
import { slashCommand } from '../../platforms/slack-standin-payloads.js';
import { startSlackHarness, type SlackHarness } from './harness.js';

let h: SlackHarness;
const answerer = createStubAnswerer({ tokenDelayMs: 10 });

beforeAll(async () => {
  h = await startSlackHarness({ answerer, mode: 'socket', env: { RATE_LIMIT_USER_PER_MINUTE: '3' } });
});
afterAll(async () => {
  await h?.close();
});

describe('/ask in Socket Mode', () => {
  it('acks, posts "<@user> asked: …" as a root message and answers in its thread', async () => {
    const payload = slashCommand(h.standIn, { channel: 'CGENERAL', user: 'UASKER01', text: 'how do I rotate keys? <!here>' });
    const ack = await h.standIn.sendEnvelope('slash_commands', payload);
    expect(ack.envelope_id).toBeTruthy();

    const root = await h.standIn.waitFor(() => h.standIn.callsTo('chat.postMessage').find((c) => !c.args.thread_ts), 10_000, 'root message');
    expect(root.args).toMatchObject({ channel: 'CGENERAL', text: '<@UASKER01> asked: how do I rotate keys? @\u200Bhere' });
    const rootTs = h.standIn.messages.get('CGENERAL')![0]!.ts;

    const placeholder = await h.standIn.waitFor(() => h.standIn.callsTo('chat.postMessage').find((c) => c.args.thread_ts === rootTs), 10_000, 'placeholder');
    expect(placeholder.args.text).toBe(PLACEHOLDER_TEXT);
    const placeholderTs = h.standIn.messages.get('CGENERAL')!.find((m) => m.thread_ts === rootTs)!.ts;
    const final = await h.standIn.waitFor(
      () => h.standIn.callsTo('chat.update').find((c) => c.args.ts === placeholderTs && Array.isArray(c.args.blocks)),
      10_000,
      'final answer',
    );
    expect(JSON.stringify(final.args.blocks)).toContain('Answer to: how do I rotate keys?');
    expect(answerer.calls[0]!.question).toBe('how do I rotate keys? <!here>');
    expect(h.standIn.responses).toHaveLength(0);
  });

  it('answers ephemerally with how to invite the bot when it is not in the channel', async () => {
    h.standIn.nonMemberChannels.add('CPRIVATE');
    const payload = slashCommand(h.standIn, { channel: 'CPRIVATE', user: 'UASKER02', text: 'anyone?' });
    await h.standIn.sendEnvelope('slash_commands', payload);
    const response = await h.standIn.waitFor(() => h.standIn.responses[0], 10_000, 'response_url post');
    expect(response).toMatchObject({ response_type: 'ephemeral', text: INVITE_HELP });
    await h.handled('not-in-channel');
    expect(h.standIn.callsTo('chat.postMessage').filter((c) => c.args.channel === 'CPRIVATE')).toHaveLength(1); // the refused root post only
    expect(answerer.calls.map((c) => c.question)).not.toContain('anyone?');
  });

  it('explains usage for an empty /ask and the rate limit once exceeded, ephemerally', async () => {
    await h.standIn.sendEnvelope('slash_commands', slashCommand(h.standIn, { channel: 'CGENERAL', user: 'UASKER03', text: '  ' }));
    await h.handled('empty');
    expect(h.standIn.responses.at(-1)).toMatchObject({ response_type: 'ephemeral' });
    expect(String(h.standIn.responses.at(-1)!.text)).toContain('/ask');

    for (let i = 0; i < 4; i++) {
      await h.standIn.sendEnvelope('slash_commands', slashCommand(h.standIn, { channel: 'CGENERAL', user: 'UASKER04', text: `question ${i}` }));
    }
    await h.handled('refused');
    await h.handled('enqueued', 4); // 1 from the first test + 3 of these 4
    const refusals = h.standIn.responses.filter((r) => /too many|slow down|try again|wait/i.test(String(r.text)));
    expect(refusals).toHaveLength(1);
    expect(refusals[0]!.response_type).toBe('ephemeral');
    const roots = h.standIn.callsTo('chat.postMessage').filter((c) => String(c.args.text).startsWith('<@UASKER04> asked'));
    expect(roots).toHaveLength(3);
  });
});
