/**
 * @mentions and thread follow-ups, end to end: the real discord.js client on the
 * stand-in gateway, the real Redis gateway + BullMQ worker, the Discord REST reply.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLACEHOLDER_TEXT } from '../../../src/bots/discord/types.js';
import type { RestCall } from '../../platforms/discord-standin.js';
import { botWrites, newUser, startDiscordHarness, type DiscordHarness } from './harness.js';

const LONG_SENTENCE = 'This sentence is part of a deliberately long answer about rotating keys safely. ';
/** ~5000 characters in paragraphs of five sentences. */
const LONG_ANSWER = Array.from({ length: 12 }, () => LONG_SENTENCE.repeat(5).trim()).join('\n\n');

let h: DiscordHarness;

beforeAll(async () => {
  h = await startDiscordHarness({
    answerer: {
      text: (q) =>
        q.includes('long answer please')
          ? LONG_ANSWER
          : `Here is what the docs say about ${q.replace(/[?.]/g, '')}: the key is rotated from the settings page, as shown in [F1]. See [1].`,
    },
  });
});

afterAll(async () => {
  await h?.close();
});

const threadCreate = (messageId: string) => (c: RestCall) => c.method === 'POST' && c.path === `/channels/${h.standIn.channelId}/messages/${messageId}/threads`;

describe('Discord adapter: mentions', () => {
  it('logs in with exactly the Guilds, GuildMessages and MessageContent intents', () => {
    expect(h.standIn.identifies).toHaveLength(1);
    expect(h.standIn.identifies[0]).toEqual({ intents: 1 | 512 | 32768, tokenOk: true });
  });

  it('mention → thread named from the question → placeholder → streaming edits → final message with files', async () => {
    const question = 'How do I rotate the API key for the production cluster without downtime for the connected services and workers?';
    const msg = h.standIn.userMessage({ content: question, mentionBot: true, author: newUser() });
    h.standIn.sendMessage(msg);
    const threadId = String(msg.id); // a thread started on a message has the message's id

    const create = await h.standIn.waitForCall(threadCreate(threadId));
    const name = String(create.body?.name);
    expect(name.length).toBeLessThanOrEqual(100);
    expect(name.startsWith('How do I rotate the API key')).toBe(true);
    expect(name).not.toContain('<@');

    const final = await h.finalWithFiles(`/channels/${threadId}/messages/`);
    const placeholder = h.standIn.calls.find((c) => c.method === 'POST' && c.path === `/channels/${threadId}/messages`);
    expect(placeholder?.body?.content).toBe(PLACEHOLDER_TEXT);
    const placeholderId = [...h.standIn.model.messages.values()].find((m) => m.channel_id === threadId && m.author && (m.author as { bot?: boolean }).bot)?.id;
    expect(final.method).toBe('PATCH');
    expect(final.path).toBe(`/channels/${threadId}/messages/${String(placeholderId)}`);

    const edits = h.standIn.calls.filter((c) => c.method === 'PATCH' && c.path === final.path);
    const streaming = edits.filter((c) => c !== final);
    expect(streaming.length).toBeGreaterThanOrEqual(1);
    expect(String(streaming[0]!.body?.content).length).toBeLessThan(String(final.body?.content).length);

    expect(String(final.body?.content)).toContain('the key is rotated from the settings page');
    expect(String(final.body?.content)).toContain('**Sources**');
    expect(final.files.map((f) => f.field)).toEqual(['files[0]', 'files[1]']);
    expect(final.files.map((f) => f.filename)).toEqual(['figure-1.png', 'figure-2.png']);
    expect(final.files.every((f) => f.contentType === 'image/png' && f.size > 0)).toBe(true);
    expect(final.body?.attachments).toEqual([
      { id: 0, filename: 'figure-1.png', description: 'Figure 1: a diagram' },
      { id: 1, filename: 'figure-2.png', description: 'Figure 2: a diagram' },
    ]);
    for (const write of botWrites(h.standIn.callsFor(threadId))) expect(write.body?.allowed_mentions).toEqual({ parse: [] });
  });

  it('a follow-up in the bot\'s thread (no mention) is answered with the thread\'s history', async () => {
    const user = newUser();
    const first = h.standIn.userMessage({ content: 'What is the retention period?', mentionBot: true, author: user });
    h.standIn.sendMessage(first);
    const threadId = String(first.id);
    await h.finalWithFiles(`/channels/${threadId}/messages/`);
    // The worker appends the turn to thread memory right after the final post.
    const ref = { platform: 'discord' as const, channelId: h.standIn.channelId, threadId };
    await expect.poll(async () => (await h.memory.get(ref)).turns.length, { timeout: 10_000 }).toBe(1);

    const followUp = h.standIn.userMessage({ content: 'And for backups?', channelId: threadId, author: user });
    h.standIn.sendMessage(followUp);
    await h.standIn.waitForCall((c) => c.method === 'PATCH' && c.path.startsWith(`/channels/${threadId}/messages/`) && String(c.body?.content).includes('about And for backups'));

    const call = h.answerer.calls.find((c) => c.question === 'And for backups?');
    expect(call?.history).toEqual([{ question: 'What is the retention period?', answer: expect.stringContaining('about What is the retention period') }]);
    // No new thread for the follow-up: it is answered inside the existing one.
    expect(h.standIn.calls.some(threadCreate(String(followUp.id)))).toBe(false);
  });

  it('ignores messages in someone else\'s thread without a mention, and bot authors', async () => {
    const inForeign = h.standIn.userMessage({ content: 'unrelated chatter', channelId: h.standIn.foreignThreadId, author: newUser() });
    const fromBot = h.standIn.userMessage({ content: 'I am a bot asking', mentionBot: true, author: h.standIn.otherBot });
    const inChannel = h.standIn.userMessage({ content: 'no mention here', author: newUser() });
    h.standIn.sendMessage(inForeign);
    h.standIn.sendMessage(fromBot);
    h.standIn.sendMessage(inChannel);
    // A control question sent after them: once it is answered, the earlier events were handled.
    const control = h.standIn.userMessage({ content: 'control question', mentionBot: true, author: newUser() });
    h.standIn.sendMessage(control);
    await h.finalWithFiles(`/channels/${String(control.id)}/messages/`);

    for (const ignored of [inForeign, fromBot, inChannel]) {
      expect(await h.wasAdmitted(String(ignored.id))).toBe(false);
      expect(h.standIn.callsFor(String(ignored.id))).toEqual([]);
    }
    expect(h.standIn.callsFor(h.standIn.foreignThreadId)).toEqual([]);
    expect(h.answerer.calls.map((c) => c.question)).not.toContain('I am a bot asking');
  });

  it('a mention inside someone else\'s thread is answered there, with the image and the thread\'s earlier turns', async () => {
    const threadId = h.standIn.foreignThreadId;
    // Earlier conversation in that thread, which the bot has no memory of.
    const earlierQ = h.standIn.userMessage({ content: 'Where are the logs kept?', channelId: threadId, author: h.standIn.bob });
    h.standIn.model.messages.set(String(earlierQ.id), earlierQ);
    const earlierA = h.standIn.userMessage({ content: 'In /var/log/mrag.', channelId: threadId, author: h.standIn.botUser });
    h.standIn.model.messages.set(String(earlierA.id), earlierA);

    // A valid PNG (correct chunk CRCs): attachments are decoded and normalised before the model sees them.
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8ffff3f0005fe02fedccc59e70000000049454e44ae426082', 'hex');
    const image = h.standIn.addUpload('error.png', png);
    const msg = h.standIn.userMessage({ content: 'what does this error mean?', channelId: threadId, mentionBot: true, author: newUser(), attachments: [image] });
    h.standIn.sendMessage(msg);
    await h.finalWithFiles(`/channels/${threadId}/messages/`);

    expect(h.standIn.calls.some((c) => c.path.endsWith('/threads') && c.path.includes(String(msg.id)))).toBe(false);
    const call = h.answerer.calls.find((c) => c.question === 'what does this error mean?');
    expect(call?.images.map((i) => Buffer.from(i).equals(png))).toEqual([true]);
    expect(call?.history).toEqual([{ question: 'Where are the logs kept?', answer: 'In /var/log/mrag.' }]);
    const read = h.standIn.calls.find((c) => c.method === 'GET' && c.path === `/channels/${threadId}/messages`);
    expect(new URLSearchParams(read?.query).get('before')).toBe(String(msg.id));
  });

  it('a reply to the bot\'s message counts as a mention', async () => {
    const botMessage = [...h.standIn.model.messages.values()].find((m) => m.channel_id === h.standIn.channelId && (m.author as { bot?: boolean }).bot);
    const target = botMessage ?? { id: '1', channel_id: h.standIn.channelId, author: h.standIn.botUser, content: 'x' };
    const reply = h.standIn.userMessage({ content: 'Is that also true for staging?', author: newUser(), replyTo: { ...target, author: h.standIn.botUser } });
    h.standIn.sendMessage(reply);
    await h.finalWithFiles(`/channels/${String(reply.id)}/messages/`);
    expect(h.answerer.calls.map((c) => c.question)).toContain('Is that also true for staging?');
  });

  it('a duplicate MESSAGE_CREATE delivery is answered once', async () => {
    const msg = h.standIn.userMessage({ content: 'Duplicate delivery question', mentionBot: true, author: newUser() });
    h.standIn.sendMessage(msg);
    h.standIn.sendMessage(msg);
    const threadId = String(msg.id);
    await h.finalWithFiles(`/channels/${threadId}/messages/`);
    const control = h.standIn.userMessage({ content: 'after the duplicate', mentionBot: true, author: newUser() });
    h.standIn.sendMessage(control);
    await h.finalWithFiles(`/channels/${String(control.id)}/messages/`);

    expect(h.standIn.calls.filter(threadCreate(threadId))).toHaveLength(1);
    expect(h.standIn.calls.filter((c) => c.method === 'POST' && c.path === `/channels/${threadId}/messages`)).toHaveLength(1);
    expect(h.answerer.calls.filter((c) => c.question === 'Duplicate delivery question')).toHaveLength(1);
  });

  it('a 5000-character answer arrives as 3 messages, cut at sentence boundaries, files on the last', async () => {
    const msg = h.standIn.userMessage({ content: 'long answer please', mentionBot: true, author: newUser() });
    h.standIn.sendMessage(msg);
    const threadId = String(msg.id);
    const last = await h.finalWithFiles(`/channels/${threadId}/messages`);
    const parts = botWrites(h.standIn.callsFor(threadId)).filter((c) => String(c.body?.content).includes('deliberately long answer'));
    const finalParts = [parts.filter((c) => c.method === 'PATCH').at(-1)!, ...parts.filter((c) => c.method === 'POST')];
    expect(finalParts).toHaveLength(3);
    expect(last).toBe(finalParts[2]);
    for (const part of finalParts) {
      const content = String(part.body?.content);
      expect(content.length).toBeLessThanOrEqual(2000);
      expect(part.body?.allowed_mentions).toEqual({ parse: [] });
    }
    expect(String(finalParts[0]!.body?.content)).toMatch(/safely\.$/);
    expect(String(finalParts[1]!.body?.content)).toMatch(/^This sentence/);
    const rejoined = finalParts.map((p) => String(p.body?.content)).join('\n\n');
    expect(rejoined.replace(/\s+/g, ' ')).toContain(LONG_ANSWER.replace(/\s+/g, ' '));
  });

  it('a rate-limited user gets the friendly reply, without a ping', async () => {
    const user = newUser();
    const messages = Array.from({ length: 4 }, (_, i) => h.standIn.userMessage({ content: `burst question ${i}`, mentionBot: true, author: user }));
    for (const m of messages) h.standIn.sendMessage(m);
    const refusal = await h.standIn.waitForCall(
      (c) => c.method === 'POST' && c.path === `/channels/${h.standIn.channelId}/messages` && String(c.body?.content).includes('faster than I can keep up'),
    );
    expect(refusal.body?.allowed_mentions).toEqual({ parse: [], replied_user: false });
    expect((refusal.body?.message_reference as { message_id?: string }).message_id).toBe(String(messages[3]!.id));
    expect(h.standIn.calls.some(threadCreate(String(messages[3]!.id)))).toBe(false);
  });

  it('a REST 429 with retry_after is waited out by the client\'s queue and the post succeeds', async () => {
    const msg = h.standIn.userMessage({ content: 'question during a rate limit', mentionBot: true, author: newUser() });
    const threadId = String(msg.id);
    h.standIn.failNext({ method: 'POST', path: new RegExp(`^/channels/\\d+/messages/${threadId}/threads$`), status: 429, retryAfter: 0.3 });
    h.standIn.sendMessage(msg);
    await h.finalWithFiles(`/channels/${threadId}/messages/`);
    const attempts = h.standIn.calls.filter(threadCreate(threadId));
    expect(attempts.map((c) => c.status)).toEqual([429, 201]);
  });

  it('keeps working after a gateway disconnect (the client resumes)', async () => {
    h.standIn.disconnectGateway();
    const msg = h.standIn.userMessage({ content: 'question after a disconnect', mentionBot: true, author: newUser() });
    h.standIn.sendMessage(msg);
    await h.finalWithFiles(`/channels/${String(msg.id)}/messages/`);
    expect(h.standIn.resumes.length).toBeGreaterThanOrEqual(1);
  });
});
