/**
 * `/ask` end to end: deferral (callback type 5), a thread on the reply, the answer through
 * the interaction webhook (`@original`) with the figures attached, ephemeral refusals, and
 * the 15-minute token limit (late jobs post into the thread instead).
 */
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RestCall } from '../../platforms/discord-standin.js';
import { botWrites, newUser, startDiscordHarness, type DiscordHarness } from './harness.js';

let h: DiscordHarness;

beforeAll(async () => {
  h = await startDiscordHarness({
    // Only the main channel is allowed (its threads too); `otherChannelId` is not.
    env: (standIn) => ({ DISCORD_CHANNEL_IDS: standIn.channelId }),
    answerer: {
      text: (q) => `Answer about ${q}: see the diagram [F1] and the guide [1].`,
      onStart: (question) => {
        // Simulate a token that Discord stops accepting while the job runs.
        if (question.includes('revoked')) for (const token of h.standIn.model.interactions.keys()) h.standIn.model.expiredTokens.add(token);
      },
    },
  });
});

afterAll(async () => {
  await h?.close();
});

const original = (token: string) => (c: RestCall) => c.path.endsWith(`/${token}/messages/%40original`);
const callback = (id: string) => (c: RestCall) => c.method === 'POST' && c.path.startsWith(`/interactions/${id}/`);

describe('Discord adapter: /ask', () => {
  it('defers (type 5), starts a thread on the reply, and PATCHes @original with the figures attached', async () => {
    const { id, token } = h.standIn.sendAsk({ question: 'How is the cache invalidated?', user: newUser() });
    const final = await h.standIn.waitForCall((c) => c.method === 'PATCH' && original(token)(c) && c.files.length > 0);

    const cb = h.standIn.calls.find(callback(id))!;
    expect(cb.body?.type).toBe(5);
    expect((cb.body?.data as { flags?: number } | undefined)?.flags ?? 0).toBe(0); // public, not ephemeral
    expect(cb.status).toBe(204);
    const originalId = h.standIn.model.originals.get(token)!;
    const threadCreate = h.standIn.calls.find((c) => c.method === 'POST' && c.path === `/channels/${h.standIn.channelId}/messages/${originalId}/threads`);
    expect(threadCreate?.body?.name).toBe('How is the cache invalidated?');
    expect(threadCreate?.status).toBe(201);

    expect(final.path).toBe(`/webhooks/${h.standIn.applicationId}/${token}/messages/%40original`);
    expect(final.authorized).toBe(false); // the interaction token is the credential, not the bot token
    expect(String(final.body?.content)).toContain('Answer about How is the cache invalidated?');
    expect(String(final.body?.content)).toContain('**Sources**');
    expect(final.files.map((f) => [f.field, f.filename])).toEqual([['files[0]', 'figure-1.png'], ['files[1]', 'figure-2.png']]);
    const patches = h.standIn.calls.filter((c) => c.method === 'PATCH' && original(token)(c));
    expect(patches.length).toBeGreaterThanOrEqual(2); // streaming edit(s), then the final one
    for (const p of patches) expect(p.body?.allowed_mentions).toEqual({ parse: [] });

    // A follow-up in the thread started on the reply is answered with the /ask turn as history.
    const threadId = originalId;
    const ref = { platform: 'discord' as const, channelId: h.standIn.channelId, threadId };
    await expect.poll(async () => (await h.memory.get(ref)).turns.length, { timeout: 10_000 }).toBe(1);
    const followUp = h.standIn.userMessage({ content: 'What about the CDN?', channelId: threadId, author: newUser() });
    h.standIn.sendMessage(followUp);
    await h.standIn.waitForCall((c) => c.method === 'PATCH' && c.path.startsWith(`/channels/${threadId}/messages/`) && c.files.length > 0);
    const call = h.answerer.calls.find((c) => c.question === 'What about the CDN?');
    expect(call?.history.map((t) => t.question)).toEqual(['How is the cache invalidated?']);
  });

  it('passes an attached image to the answerer (downloaded by the worker)', async () => {
    const png = await sharp({ create: { width: 8, height: 8, channels: 3, background: '#0a0' } }).png().toBuffer();
    const image = h.standIn.addUpload('screenshot.png', png);
    const { token } = h.standIn.sendAsk({ question: 'What is this screen?', image, user: newUser() });
    await h.standIn.waitForCall((c) => c.method === 'PATCH' && original(token)(c) && c.files.length > 0);
    const call = h.answerer.calls.find((c) => c.question === 'What is this screen?');
    expect(call?.images).toHaveLength(1);
    expect(Buffer.from(call!.images[0]!).equals(png)).toBe(true);
  });

  it('a rate-limited user gets an ephemeral reply (type 4, flags 64) and no job', async () => {
    const user = newUser();
    const asks = Array.from({ length: 4 }, (_, i) => h.standIn.sendAsk({ question: `rapid ${i}`, user }));
    const refused = await h.standIn.waitForCall((c) => callback(asks[3]!.id)(c));
    expect(refused.body?.type).toBe(4);
    expect((refused.body?.data as Record<string, unknown>).flags).toBe(64);
    expect(String((refused.body?.data as Record<string, unknown>).content)).toContain('faster than I can keep up');
    expect((refused.body?.data as Record<string, unknown>).allowed_mentions).toEqual({ parse: [] });
    for (const ask of asks.slice(0, 3)) await h.standIn.waitForCall((c) => c.method === 'PATCH' && original(ask.token)(c) && c.files.length > 0);
    expect(h.answerer.calls.map((c) => c.question)).not.toContain('rapid 3');
  });

  it('refuses ephemerally outside the allowed channels, and ignores mentions there', async () => {
    const { id } = h.standIn.sendAsk({ question: 'Am I allowed here?', channelId: h.standIn.otherChannelId, user: newUser() });
    const mention = h.standIn.userMessage({ content: 'and here?', channelId: h.standIn.otherChannelId, mentionBot: true, author: newUser() });
    h.standIn.sendMessage(mention);
    const refused = await h.standIn.waitForCall(callback(id));
    expect(refused.body?.type).toBe(4);
    expect((refused.body?.data as Record<string, unknown>).flags).toBe(64);
    expect(String((refused.body?.data as Record<string, unknown>).content)).toContain('not enabled in this channel');
    expect(await h.wasAdmitted(id)).toBe(false);
    expect(await h.wasAdmitted(String(mention.id))).toBe(false);
  });

  it('an empty question gets a clear error in the reply', async () => {
    const { token } = h.standIn.sendAsk({ question: '   ', user: newUser() });
    const edit = await h.standIn.waitForCall((c) => c.method === 'PATCH' && original(token)(c));
    expect(edit.body?.content).toBe('⚠️ The question is empty.');
  });

  it('a job finishing after the 15-minute token lifetime posts into the thread instead', async () => {
    const sixteenMinutesAgo = Date.now() - 16 * 60_000;
    const { token } = h.standIn.sendAsk({ question: 'A question from long ago', user: newUser(), createdAt: sixteenMinutesAgo });
    await h.standIn.waitForCall((c) => c.method === 'POST' && c.path.endsWith('/threads') && c.body?.name === 'A question from long ago');
    const threadId = h.standIn.model.originals.get(token)!;
    const final = await h.finalWithFiles(`/channels/${threadId}/messages`);
    expect(String(final.body?.content)).toContain('Answer about A question from long ago');
    expect(final.body?.allowed_mentions).toEqual({ parse: [] });
    // The worker never used the expired token.
    expect(h.standIn.calls.filter((c) => c.method === 'PATCH' && original(token)(c))).toEqual([]);
  });

  it('a token Discord stops accepting mid-job: the answer goes to the thread', async () => {
    const { token } = h.standIn.sendAsk({ question: 'revoked token question', user: newUser() });
    await h.standIn.waitForCall((c) => c.method === 'POST' && c.path.endsWith('/threads') && c.body?.name === 'revoked token question');
    const threadId = h.standIn.model.originals.get(token)!;
    const final = await h.finalWithFiles(`/channels/${threadId}/messages`);
    expect(String(final.body?.content)).toContain('Answer about revoked token question');
    const refusedPatches = h.standIn.calls.filter((c) => c.method === 'PATCH' && original(token)(c));
    expect(refusedPatches.map((c) => c.status)).toEqual([401]); // tried once, then never again
    for (const w of botWrites(h.standIn.callsFor(threadId))) expect(w.body?.allowed_mentions).toEqual({ parse: [] });
  });

  it('shows progress for /ask: a typing indicator where the user waits, then streamed edits of the deferred reply', async () => {
    const { token } = h.standIn.sendAsk({ question: 'Which progress does /ask show?', user: newUser() });
    const final = await h.standIn.waitForCall((c) => c.method === 'PATCH' && original(token)(c) && c.files.length > 0);
    const typing = h.standIn.calls.findIndex((c) => c.method === 'POST' && c.path === `/channels/${h.standIn.channelId}/typing`);
    const firstEdit = h.standIn.calls.findIndex((c) => c.method === 'PATCH' && original(token)(c));
    expect(typing).toBeGreaterThanOrEqual(0);
    expect(typing).toBeLessThan(firstEdit);
    const edits = h.standIn.calls.filter((c) => c.method === 'PATCH' && original(token)(c));
    expect(edits.length).toBeGreaterThanOrEqual(2);
    expect(String(edits[0]!.body?.content).length).toBeLessThan(String(final.body?.content).length);
    expect(edits[0]!.body).not.toHaveProperty('components'); // the buttons come with the final answer only
  });
});
