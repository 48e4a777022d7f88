/**
 * The REST-only Discord Reply against the stand-in's REST routes (no gateway, no Redis):
 * idempotent retries, a deleted placeholder, failures, and no placeholder at all.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DiscordReply } from '../../../src/bots/discord/reply.js';
import { createDiscordRest } from '../../../src/bots/discord/worker-side.js';
import { PLACEHOLDER_TEXT } from '../../../src/bots/discord/types.js';
import { loadConfig } from '../../../src/config/env.js';
import { createLogger } from '../../../src/log.js';
import { askJobSchema, type AskJob, type AskJobInput } from '../../../src/queue/job.js';
import type { ReplyState } from '../../../src/queue/reply.js';
import type { Answer } from '../../../src/rag/types.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../platforms/discord-standin.js';
import { messagePayload } from '../../platforms/discord-standin-payloads.js';
import { makeFigures } from '../../helpers/figures.js';

const logger = createLogger({ level: 'silent' });
let standIn: DiscordStandIn;
let rest: ReturnType<typeof createDiscordRest>;

beforeAll(async () => {
  standIn = await startDiscordStandIn();
  const config = loadConfig({ DISCORD_TOKEN: standIn.token, DISCORD_API_URL: standIn.apiUrl }).discord!;
  rest = createDiscordRest(config, logger);
});

afterAll(async () => {
  rest.clearHashSweeper();
  rest.clearHandlerSweeper();
  await standIn.stop();
});

/** ReplyState as the worker persists it per job (here in memory; JSON round-trip like Redis). */
function memoryState(): ReplyState {
  const map = new Map<string, string>();
  return {
    get: async <T>(key: string) => (map.has(key) ? (JSON.parse(map.get(key)!) as T) : undefined),
    set: async (key, value) => void map.set(key, JSON.stringify(value)),
  };
}

function job(overrides: Partial<AskJobInput> = {}): AskJob {
  return askJobSchema.parse({ v: 1, platform: 'discord', eventId: '1', channelId: standIn.channelId, userId: '2', question: 'q?', createdAt: Date.now(), ...overrides });
}

/** A bot message in the stand-in's model, as the adapter's placeholder would be. */
function placeholderIn(channelId: string): string {
  const msg = messagePayload({ channelId, guildId: standIn.guildId, author: standIn.botUser, content: PLACEHOLDER_TEXT });
  standIn.model.messages.set(String(msg.id), msg);
  return String(msg.id);
}

async function answer(text: string): Promise<Answer> {
  return { text, sources: [], figures: await makeFigures(), mode: 'llm', timings: {} };
}

describe('DiscordReply', () => {
  it('a retried finish edits the same messages instead of posting again', async () => {
    const placeholderId = placeholderIn(standIn.channelId);
    const state = memoryState();
    const j = job({ placeholderId });
    const long = await answer('A sentence that is long enough to matter here. '.repeat(100)); // ~4700 chars → 3 parts
    const before = standIn.calls.length;
    await new DiscordReply(rest, { job: j, answerId: `discord-${j.eventId}`, state, logger, editIntervalMs: 100 }).finish(long);
    const first = standIn.calls.slice(before);
    expect(first.map((c) => c.method)).toEqual(['PATCH', 'POST', 'POST']);
    expect(first[2]!.files).toHaveLength(2);

    // A new attempt after a crash (the "finished" mark not yet written): same messages, edited.
    await state.set('discord:finished', false);
    const mid = standIn.calls.length;
    await new DiscordReply(rest, { job: j, answerId: `discord-${j.eventId}`, state, logger, editIntervalMs: 100 }).finish(long);
    const second = standIn.calls.slice(mid);
    expect(second.map((c) => c.method)).toEqual(['PATCH', 'PATCH', 'PATCH']);
    const parts = (await state.get<Record<string, string>>('discord:parts'))!;
    const base = `/channels/${standIn.channelId}/messages`;
    expect(second.map((c) => c.path)).toEqual([`${base}/${placeholderId}`, `${base}/${parts['1']}`, `${base}/${parts['2']}`]);
    // Those ids are the messages the first attempt posted, with the same text.
    expect(standIn.model.messages.get(parts['1']!)?.content).toBe(first[1]!.body?.content);
    expect(standIn.model.messages.get(parts['2']!)?.content).toBe(first[2]!.body?.content);
    expect(second[2]!.body?.attachments).toHaveLength(2); // attachments replaced, not added

    // Once finished, a further finish is a no-op.
    const end = standIn.calls.length;
    await new DiscordReply(rest, { job: j, answerId: `discord-${j.eventId}`, state, logger, editIntervalMs: 100 }).finish(long);
    expect(standIn.calls.length).toBe(end);
  });

  it('posts a new message when the placeholder was deleted, and fail() edits that one', async () => {
    const state = memoryState();
    const j = job({ placeholderId: '999999999999999999' });
    const reply = new DiscordReply(rest, { job: j, answerId: `discord-${j.eventId}`, state, logger, editIntervalMs: 100 });
    const before = standIn.calls.length;
    await reply.fail('The docs index is being rebuilt; try again shortly.');
    const calls = standIn.calls.slice(before);
    expect(calls.map((c) => [c.method, c.status])).toEqual([['PATCH', 404], ['POST', 200]]);
    expect(calls[1]!.body).toEqual({ content: '⚠️ The docs index is being rebuilt; try again shortly.', allowed_mentions: { parse: [] } });
  });

  it('start() posts a placeholder when the adapter could not, and streaming edits go to it', async () => {
    const state = memoryState();
    const reply = new DiscordReply(rest, { job: job(), answerId: 'discord-x', state, logger, editIntervalMs: 100 });
    const before = standIn.calls.length;
    await reply.start();
    await reply.start(); // idempotent
    await reply.update('Partial answer');
    await reply.finish(await answer('Full answer.'));
    const [typing, ...calls] = standIn.calls.slice(before);
    // "mrag is typing…" first, where the answer will appear.
    expect([typing!.method, typing!.path, typing!.status]).toEqual(['POST', `/channels/${standIn.channelId}/typing`, 204]);
    expect(calls[0]!.method).toBe('POST');
    expect(calls[0]!.body?.content).toBe(PLACEHOLDER_TEXT);
    const id = String(await state.get('discord:first'));
    expect(calls.slice(1).filter((c) => !c.path.endsWith('/typing')).every((c) => c.method === 'PATCH' && c.path === `/channels/${standIn.channelId}/messages/${id}`)).toBe(true);
    expect(calls.at(-1)!.body?.content).toContain('Full answer.');
  });
});
