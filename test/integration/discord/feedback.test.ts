/**
 * 👍/👎 on Discord end to end: every final answer (mention and /ask) carries two buttons
 * whose custom_ids hold the answer id; a click arrives over the real gateway as a
 * MESSAGE_COMPONENT interaction, is stored in the shared feedback store with the question,
 * answer, sources and figures, and acknowledged by updating the message (type 7) with the
 * buttons disabled and the choice marked. A workspace that refuses the buttons still gets
 * the answer, as plain text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { askJobId } from '../../../src/queue/keys.js';
import type { RestCall } from '../../platforms/discord-standin.js';
import { newUser, startDiscordHarness, type DiscordHarness } from './harness.js';

let h: DiscordHarness;

beforeAll(async () => {
  h = await startDiscordHarness({ answerer: { text: (q) => `Answer about ${q} [1].` } });
});
afterAll(async () => {
  await h?.close();
});

interface Button {
  type: number;
  style: number;
  custom_id: string;
  label: string;
  disabled?: boolean;
}
const buttonsOf = (body: Record<string, unknown> | undefined) => ((body?.components as { components: Button[] }[] | undefined) ?? []).flatMap((r) => r.components);
const callback = (id: string) => (c: RestCall) => c.method === 'POST' && c.path.startsWith(`/interactions/${id}/`);

describe('Discord feedback buttons', () => {
  it('a mention\'s answer has 👍/👎; a click is stored and acknowledged with the choice marked', async () => {
    const msg = h.standIn.userMessage({ content: 'How are keys rotated?', mentionBot: true, author: newUser() });
    h.standIn.sendMessage(msg);
    const threadId = String(msg.id);
    const final = await h.finalWithFiles(`/channels/${threadId}/messages/`);
    const answerId = askJobId('discord', threadId);
    const buttons = buttonsOf(final.body);
    expect(buttons.map((b) => [b.custom_id, b.label, b.disabled ?? false])).toEqual([
      [`mrag:fb:up:${answerId}`, 'Helpful', false],
      [`mrag:fb:down:${answerId}`, 'Not helpful', false],
    ]);
    const answerMessageId = final.path.split('/').pop()!;
    // The thread memory write follows the post: wait for the job to be completely done.
    await expect.poll(async () => (await h.memory.get({ platform: 'discord', channelId: h.standIn.channelId, threadId })).turns.length, { timeout: 10_000 }).toBe(1);

    const rater = newUser('rater');
    const click = h.standIn.clickButton({ messageId: answerMessageId, customId: `mrag:fb:up:${answerId}`, user: rater });
    const ack = await h.standIn.waitForCall(callback(click.id));
    expect([ack.body?.type, ack.status]).toEqual([7, 204]);
    const updated = buttonsOf(ack.body?.data as Record<string, unknown>);
    expect(updated.map((b) => [b.label, b.disabled, b.style])).toEqual([
      ['Helpful — thanks!', true, 3],
      ['Not helpful', true, 2],
    ]);
    expect(buttonsOf(h.standIn.model.messages.get(answerMessageId)).every((b) => b.disabled)).toBe(true);

    const stored = (await h.feedback.export()).find((e) => e.answerId === answerId);
    expect(stored).toMatchObject({ platform: 'discord', userId: rater.id, rating: 'up', question: 'How are keys rotated?', answer: 'Answer about How are keys rotated? [1].', threadId });
    expect(stored!.sources.map((s) => s.title)).toEqual(['Doc']);
    expect(stored!.figures.map((f) => f.id)).toEqual(['fig-1', 'fig-2']);
  });

  it('/ask answers carry the buttons too; a 👎 replaces nothing else and is stored', async () => {
    const user = newUser();
    const { id, token } = h.standIn.sendAsk({ question: 'Where are backups kept?', user });
    const final = await h.standIn.waitForCall((c) => c.method === 'PATCH' && c.path.endsWith(`/${token}/messages/%40original`) && c.files.length > 0);
    const answerId = askJobId('discord', id);
    expect(buttonsOf(final.body).map((b) => b.custom_id)).toEqual([`mrag:fb:up:${answerId}`, `mrag:fb:down:${answerId}`]);
    const messageId = h.standIn.model.originals.get(token)!;
    await expect.poll(async () => (await h.feedback.answer(answerId))?.question, { timeout: 10_000 }).toBe('Where are backups kept?');

    const click = h.standIn.clickButton({ messageId, customId: `mrag:fb:down:${answerId}`, user });
    await h.standIn.waitForCall(callback(click.id));
    await expect.poll(async () => (await h.feedback.export()).find((e) => e.answerId === answerId)?.rating, { timeout: 5000 }).toBe('down');
    expect(h.standIn.model.messages.get(messageId)!.content).toContain('Answer about Where are backups kept?');
  });

  it('a click on an answer the store does not know gets a private note and stores nothing', async () => {
    const msg = h.standIn.userMessage({ content: 'An answer to click on', mentionBot: true, author: newUser() });
    h.standIn.sendMessage(msg);
    const final = await h.finalWithFiles(`/channels/${String(msg.id)}/messages/`);
    const click = h.standIn.clickButton({ messageId: final.path.split('/').pop()!, customId: 'mrag:fb:up:discord-000000000000000000' });
    const reply = await h.standIn.waitForCall(callback(click.id));
    expect(reply.body?.type).toBe(4);
    expect(reply.body?.data).toMatchObject({ content: 'Sorry — this answer is too old to rate.', flags: 64 });
    expect((await h.feedback.export()).some((e) => e.answerId === 'discord-000000000000000000')).toBe(false);
  });

  it('when Discord refuses the buttons (50035), the answer is posted without them rather than lost', async () => {
    const msg = h.standIn.userMessage({ content: 'Buttons refused here', mentionBot: true, author: newUser() });
    const threadId = String(msg.id);
    h.standIn.failNext({ method: 'PATCH', path: new RegExp(`^/channels/${threadId}/messages/\\d+$`), status: 400, code: 50035, when: (body) => Array.isArray(body?.components) && body.components.length > 0 });
    h.standIn.sendMessage(msg);
    const final = await h.finalWithFiles(`/channels/${threadId}/messages/`);
    const refused = h.standIn.calls.find((c) => c.path.startsWith(`/channels/${threadId}/messages/`) && c.status === 400)!;
    expect(buttonsOf(refused.body)).toHaveLength(2);
    expect(final.body?.components).toEqual([]);
    expect(String(final.body?.content)).toContain('Answer about Buttons refused here');
  });
});
