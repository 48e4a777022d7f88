/**
 * Real Discord events that broke bots elsewhere, each kind with several members, through
 * the real discord.js client on the stand-in gateway:
 * - content not in `content`: forwarded messages (`message_snapshots`) with text and with
 *   an image, the image of the message a user replies to, a mention of the bot's managed
 *   role; stickers or embeds alone are ignored quietly in the bot's thread;
 * - the bot knows its threads without Redis (`owner_id`) and rebuilds history from Discord;
 * - a failed write never loses the answer: an archived thread is unarchived, a locked one
 *   gets the answer in its parent channel, an expired attachment URL is refreshed;
 * - one message delivered twice (also replayed after a resume) is answered once.
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PLACEHOLDER_TEXT } from '../../../src/bots/discord/types.js';
import { cleanPrefix } from '../../helpers/redis.js';
import type { RestCall } from '../../platforms/discord-standin.js';
import { newUser, startDiscordHarness, type DiscordHarness } from './harness.js';

let h: DiscordHarness;
let png: Buffer;

beforeAll(async () => {
  png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0a0' } }).png().toBuffer();
  h = await startDiscordHarness({
    answerer: {
      tokenDelayMs: 5,
      text: (q) => `Answer about ${q}`,
      onStart: (q) => {
        // The thread gets archived while the answer is being written.
        if (q.includes('archived meanwhile')) h.standIn.archiveThread(archiveTarget, { locked: q.includes('locked') });
      },
    },
    env: () => ({ RATE_LIMIT_USER_PER_MINUTE: '100' }),
  });
});
afterAll(async () => {
  await h?.close();
});

let archiveTarget = '';
const finalIn = (channelId: string) => (c: RestCall) => c.status < 300 && c.path.startsWith(`/channels/${channelId}/messages`) && String(c.body?.content ?? '').startsWith('Answer about');
const asked = (q: string) => h.answerer.calls.filter((c) => c.question === q);

/** Ask in a new bot thread and wait for the answer; returns the thread id. */
async function botThread(question: string): Promise<string> {
  const msg = h.standIn.userMessage({ content: question, mentionBot: true, author: newUser() });
  h.standIn.sendMessage(msg);
  const threadId = String(msg.id);
  await h.finalWithFiles(`/channels/${threadId}/messages/`);
  await expect.poll(async () => (await h.memory.get({ platform: 'discord', channelId: h.standIn.channelId, threadId })).turns.length, { timeout: 10_000 }).toBe(1);
  return threadId;
}

describe('content that is not in `content` is still the question', () => {
  it('a message forwarded into the bot\'s thread is answered from its snapshot, with its image', async () => {
    const threadId = await botThread('first question of a thread');
    const original = h.standIn.userMessage({ content: 'Deploys fail with E42 since Monday', channelId: h.standIn.otherChannelId, author: h.standIn.bob, attachments: [h.standIn.addUpload('e42.png', png)] });
    const forward = h.standIn.userMessage({ content: '', channelId: threadId, author: newUser(), forwardOf: original });
    expect(forward.content).toBe('');
    h.standIn.sendMessage(forward);
    await h.standIn.waitForCall(finalIn(threadId));
    await expect.poll(() => asked('Deploys fail with E42 since Monday').length, { timeout: 10_000 }).toBe(1);
    expect(asked('Deploys fail with E42 since Monday')[0]!.images.map((i) => Buffer.from(i).equals(png))).toEqual([true]);
  });

  it('a forwarded message that mentions the bot starts a thread; the usage hint is not sent', async () => {
    const original = h.standIn.userMessage({ content: `<@${h.standIn.botUser.id}> what is the retention period?`, author: h.standIn.bob });
    const forward = h.standIn.userMessage({ content: '', author: newUser(), forwardOf: original, mentionBot: false });
    (forward.mentions as unknown[]).push(h.standIn.botUser);
    h.standIn.sendMessage(forward);
    await h.finalWithFiles(`/channels/${String(forward.id)}/messages/`);
    expect(asked('what is the retention period?')).toHaveLength(1);
  });

  it('a reply to someone\'s screenshot that mentions the bot passes the screenshot along', async () => {
    const screenshot = h.standIn.userMessage({ content: 'look at this', author: h.standIn.bob, attachments: [h.standIn.addUpload('screen.png', png)] });
    h.standIn.model.messages.set(String(screenshot.id), screenshot);
    const reply = h.standIn.userMessage({ content: 'what does this error mean?', mentionBot: true, author: newUser(), replyTo: screenshot });
    h.standIn.sendMessage(reply);
    await h.finalWithFiles(`/channels/${String(reply.id)}/messages/`);
    expect(asked('what does this error mean?')[0]!.images.map((i) => Buffer.from(i).equals(png))).toEqual([true]);
  });

  it('a mention of the bot\'s managed role counts as a mention', async () => {
    const msg = h.standIn.userMessage({ content: 'asked through the role', mentionRole: true, author: newUser() });
    expect(msg.content).toBe(`<@&${h.standIn.botRoleId}> asked through the role`);
    h.standIn.sendMessage(msg);
    await h.finalWithFiles(`/channels/${String(msg.id)}/messages/`);
    expect(asked('asked through the role')).toHaveLength(1);
  });

  it('stickers or embeds alone in the bot\'s thread are ignored quietly; with a mention they get the hint', async () => {
    const threadId = await botThread('a thread for stickers');
    const sticker = h.standIn.userMessage({ content: '', channelId: threadId, author: newUser(), stickers: [{ id: '749054660769218631', name: 'Wave', format_type: 1 }] });
    const embed = h.standIn.userMessage({ content: '', channelId: threadId, author: newUser(), embeds: [{ type: 'gifv', url: 'https://media.example.test/x.gif' }] });
    h.standIn.sendMessage(sticker);
    h.standIn.sendMessage(embed);
    const mentioned = h.standIn.userMessage({ content: '', mentionBot: true, author: newUser(), stickers: [{ id: '749054660769218631', name: 'Wave', format_type: 1 }] });
    h.standIn.sendMessage(mentioned);
    const hint = await h.standIn.waitForCall((c) => c.method === 'POST' && String(c.body?.content).startsWith('Ask me a question after the mention'));
    expect((hint.body?.message_reference as { message_id: string }).message_id).toBe(String(mentioned.id));
    for (const m of [sticker, embed]) expect(await h.wasAdmitted(String(m.id))).toBe(false);
    expect(h.standIn.calls.filter((c) => c.method === 'POST' && c.path === `/channels/${threadId}/messages`)).toHaveLength(1); // the first placeholder only
  });
});

describe('the bot knows its own threads without Redis', () => {
  it('after the thread memory is gone, a follow-up is answered, with the history rebuilt from Discord', async () => {
    const threadId = await botThread('What is the retention period for logs?');
    await cleanPrefix(h.config.redis.url, `${h.config.redis.prefix}:thread:`); // what the TTL or a Redis restart does
    const followUp = h.standIn.userMessage({ content: 'And for backups?', channelId: threadId, author: newUser() });
    h.standIn.sendMessage(followUp);
    await h.standIn.waitForCall((c) => c.method === 'PATCH' && c.path.startsWith(`/channels/${threadId}/messages/`) && String(c.body?.content).includes('Answer about And for backups?'));
    expect(asked('And for backups?')[0]!.history).toEqual([{ question: 'What is the retention period for logs?', answer: expect.stringContaining('Answer about What is the retention period for logs?') }]);
    // The starter message (the question, in the parent channel under the thread's id) was read back.
    expect(h.standIn.calls.some((c) => c.method === 'GET' && c.path === `/channels/${h.standIn.channelId}/messages/${threadId}`)).toBe(true);
    expect(await h.memory.has({ platform: 'discord', channelId: h.standIn.channelId, threadId })).toBe(true);
  });
});

describe('one failed write never loses the answer', () => {
  it('a thread archived while the answer is written is unarchived, and the placeholder becomes the answer', async () => {
    const msg = h.standIn.userMessage({ content: 'archived meanwhile', mentionBot: true, author: newUser() });
    archiveTarget = String(msg.id);
    h.standIn.sendMessage(msg);
    const final = await h.finalWithFiles(`/channels/${archiveTarget}/messages/`);
    const unarchive = h.standIn.calls.find((c) => c.method === 'PATCH' && c.path === `/channels/${archiveTarget}`)!;
    expect(unarchive.body).toEqual({ archived: false });
    expect(h.standIn.calls.some((c) => c.path.startsWith(`/channels/${archiveTarget}/messages/`) && c.status === 400)).toBe(true);
    const placeholder = [...h.standIn.model.messages.values()].find((m) => m.channel_id === archiveTarget && (m.author as { bot?: boolean }).bot)!;
    expect(final.path).toBe(`/channels/${archiveTarget}/messages/${String(placeholder.id)}`);
    expect(String(placeholder.content).startsWith('Answer about archived meanwhile')).toBe(true);
    expect(String(placeholder.content)).not.toContain(PLACEHOLDER_TEXT);
    expect(h.standIn.model.archived.has(archiveTarget)).toBe(false);
  });

  it('a thread archived and locked meanwhile: the answer goes to the parent channel, replying to the question', async () => {
    const msg = h.standIn.userMessage({ content: 'archived meanwhile and locked', mentionBot: true, author: newUser() });
    archiveTarget = String(msg.id);
    h.standIn.sendMessage(msg);
    const parent = `/channels/${h.standIn.channelId}/messages`;
    const final = await h.standIn.waitForCall((c) => c.status < 300 && c.path.startsWith(parent) && c.files.length > 0);
    expect(String(final.body?.content)).toContain('Answer about archived meanwhile and locked');
    expect(final.body?.allowed_mentions).toEqual({ parse: [] });
    // The first message in the parent channel replies to the question (no ping); later writes edit it.
    const moved = h.standIn.calls.find((c) => c.method === 'POST' && c.path === parent && (c.body?.message_reference as { message_id?: string } | undefined)?.message_id === String(msg.id))!;
    expect(moved.body?.message_reference).toEqual({ message_id: String(msg.id), fail_if_not_exists: false });
    const answer = [...h.standIn.model.messages.values()].find(
      (m) => m.channel_id === h.standIn.channelId && (m.author as { bot?: boolean }).bot && (m.message_reference as { message_id?: string } | undefined)?.message_id === String(msg.id),
    )!;
    expect(String(answer.content)).toContain('Answer about archived meanwhile and locked');
    expect(final.method === 'POST' || final.path === `${parent}/${String(answer.id)}`).toBe(true);
    expect(h.standIn.calls.find((c) => c.method === 'PATCH' && c.path === `/channels/${archiveTarget}`)?.status).toBe(403);
  });

  it('an attachment URL that expired before the worker downloads it is refreshed', async () => {
    const image = h.standIn.addUpload('old-screenshot.png', png, 'image/png', { expired: true });
    expect((await fetch(image.url)).status).toBe(404);
    const msg = h.standIn.userMessage({ content: 'an old screenshot', mentionBot: true, author: newUser(), attachments: [image] });
    h.standIn.sendMessage(msg);
    await h.finalWithFiles(`/channels/${String(msg.id)}/messages/`);
    const refresh = h.standIn.calls.find((c) => c.method === 'POST' && c.path === '/attachments/refresh-urls')!;
    expect(refresh.body).toEqual({ attachment_urls: [image.url] });
    expect(asked('an old screenshot')[0]!.images.map((i) => Buffer.from(i).equals(png))).toEqual([true]);
  });
});

describe('one message, delivered twice, is answered once', () => {
  it('a MESSAGE_CREATE replayed after a gateway resume', async () => {
    const msg = h.standIn.userMessage({ content: 'delivered before a disconnect', mentionBot: true, author: newUser() });
    h.standIn.sendMessage(msg);
    await h.finalWithFiles(`/channels/${String(msg.id)}/messages/`);
    h.standIn.disconnectGateway();
    h.standIn.sendMessage(msg); // delivered again, to the resumed session
    const control = h.standIn.userMessage({ content: 'control after the replay', mentionBot: true, author: newUser() });
    h.standIn.sendMessage(control);
    await h.finalWithFiles(`/channels/${String(control.id)}/messages/`);
    expect(asked('delivered before a disconnect')).toHaveLength(1);
    expect(h.standIn.calls.filter((c) => c.method === 'POST' && c.path.endsWith(`/messages/${String(msg.id)}/threads`))).toHaveLength(1);
  });
});
