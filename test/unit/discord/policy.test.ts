import { describe, expect, it } from 'vitest';
import { askCommandFor, botPermissionBits, inviteUrl, ASK_COMMAND } from '../../../src/bots/discord/commands.js';
import { feedbackRow, parseFeedbackId, ratedRow } from '../../../src/bots/discord/feedback.js';
import { fatalCloseFix } from '../../../src/bots/discord/gateway-errors.js';
import { formatAnswer } from '../../../src/bots/discord/markdown.js';
import { intentsFor } from '../../../src/bots/discord/adapter.js';
import { checkPlace, isImage } from '../../../src/bots/discord/filters.js';
import { turnsFromMessages } from '../../../src/bots/discord/history.js';
import { PLACEHOLDER_TEXT } from '../../../src/bots/discord/types.js';
import { loadConfig, type DiscordConfig } from '../../../src/config/env.js';
import type { APIMessage } from 'discord.js';

function discordConfig(env: Record<string, string> = {}): DiscordConfig {
  return loadConfig({ DISCORD_TOKEN: 'a-test-token-value', ...env }).discord!;
}

describe('checkPlace', () => {
  it('ignores DMs unless DISCORD_ALLOW_DMS', () => {
    expect(checkPlace(discordConfig(), null, 'dm1', null)).toBe('dm_disabled');
    expect(checkPlace(discordConfig({ DISCORD_ALLOW_DMS: 'true' }), null, 'dm1', null)).toBe('ok');
  });

  it('applies the guild and channel allowlists; a thread is allowed through its parent', () => {
    const config = discordConfig({ DISCORD_GUILD_IDS: 'g1,g2', DISCORD_CHANNEL_IDS: 'c1' });
    expect(checkPlace(config, 'g3', 'c1', null)).toBe('guild_not_allowed');
    expect(checkPlace(config, 'g1', 'c2', null)).toBe('channel_not_allowed');
    expect(checkPlace(config, 'g1', 'c1', null)).toBe('ok');
    expect(checkPlace(config, 'g2', 'thread9', 'c1')).toBe('ok');
    expect(checkPlace(config, 'g2', 'thread9', 'c2')).toBe('channel_not_allowed');
    expect(checkPlace(discordConfig(), 'any', 'any', null)).toBe('ok');
  });
});

describe('isImage', () => {
  it('uses the content type, else the extension', () => {
    expect(isImage({ contentType: 'image/webp', name: 'x.bin' })).toBe(true);
    expect(isImage({ contentType: 'application/pdf', name: 'x.png' })).toBe(false);
    expect(isImage({ contentType: null, name: 'shot.JPG' })).toBe(true);
    expect(isImage({ contentType: null, name: 'notes.txt' })).toBe(false);
  });
});

describe('intents', () => {
  it('asks for Guilds, GuildMessages and MessageContent only; DirectMessages only with DMs allowed', () => {
    expect(intentsFor(discordConfig()).reduce((a, b) => a | b, 0)).toBe(1 | 512 | 32768);
    expect(intentsFor(discordConfig({ DISCORD_ALLOW_DMS: 'true' })).reduce((a, b) => a | b, 0)).toBe(1 | 512 | 32768 | 4096);
  });
});

describe('slash command and invite URL', () => {
  it('defines /ask with a required question and an optional image', () => {
    expect(ASK_COMMAND.name).toBe('ask');
    expect(ASK_COMMAND.options?.map((o) => [o.name, o.type, o.required])).toEqual([
      ['question', 3, true],
      ['image', 11, false],
    ]);
  });

  it('requests exactly Send Messages, Send Messages in Threads, Create Public Threads, Attach Files, Read Message History, Use Application Commands', () => {
    const expected = (1n << 11n) | (1n << 38n) | (1n << 35n) | (1n << 15n) | (1n << 16n) | (1n << 31n);
    expect(botPermissionBits()).toBe(expected);
    const url = new URL(inviteUrl('123456789012345678'));
    expect(url.pathname).toBe('/oauth2/authorize');
    expect(url.searchParams.get('client_id')).toBe('123456789012345678');
    expect(url.searchParams.get('scope')).toBe('bot applications.commands');
    expect(url.searchParams.get('permissions')).toBe(expected.toString());
  });
});

describe('turnsFromMessages', () => {
  const msg = (content: string, bot: boolean): APIMessage => ({ content, author: { id: bot ? '1' : '2', bot } }) as unknown as APIMessage;
  it('pairs each user question with the bot answer that follows, skipping placeholders', () => {
    const turns = turnsFromMessages([
      msg('<@1> first question', false),
      msg(PLACEHOLDER_TEXT, true),
      msg('first answer', true),
      msg('chatter without answer', false),
      msg('second question', false),
      msg('second answer', true),
    ]);
    expect(turns).toEqual([
      { question: 'first question', answer: 'first answer' },
      { question: 'second question', answer: 'second answer' },
    ]);
  });
});

describe('/ask placement, feedback buttons, gateway fixes, tables', () => {
  it('a global /ask appears in servers, and in DMs only when they are answered', () => {
    expect(askCommandFor({ allowDms: false, global: true })).toMatchObject({ contexts: [0], integration_types: [0] });
    expect(askCommandFor({ allowDms: true, global: true })).toMatchObject({ contexts: [0, 1], integration_types: [0] });
    expect(askCommandFor({ allowDms: true, global: false })).toBe(ASK_COMMAND);
  });

  it('feedback buttons carry the answer id; once rated both are disabled and the choice marked', () => {
    const [row] = feedbackRow('discord-123');
    expect(row!.components.map((b) => b.custom_id)).toEqual(['mrag:fb:up:discord-123', 'mrag:fb:down:discord-123']);
    expect(parseFeedbackId('mrag:fb:down:discord-123')).toEqual({ rating: 'down', answerId: 'discord-123' });
    expect(parseFeedbackId('other:thing')).toBeUndefined();
    const [rated] = ratedRow('discord-123', 'down');
    expect(rated!.components.map((b) => [b.disabled, b.style, b.label])).toEqual([[true, 2, 'Helpful'], [true, 4, 'Not helpful — thanks!']]);
    // An answer id too long for Discord's 100-character custom_id gets no buttons rather than a refused message.
    expect(feedbackRow('x'.repeat(95))).toEqual([]);
  });

  it('fatal gateway closes name the fix and where to apply it', () => {
    expect(fatalCloseFix(4014)).toMatch(/Developer Portal → Applications → \(your application\) → Bot → Privileged Gateway Intents → turn on "Message Content Intent"/);
    expect(fatalCloseFix(4004)).toMatch(/DISCORD_TOKEN/);
    expect(fatalCloseFix(4000)).toBeUndefined();
  });

  it('renders Markdown tables in answers as code blocks', () => {
    const text = formatAnswer({ text: 'Sizes:\n\n| Model | Dim |\n|---|---|\n| CLIP | 512 |', sources: [], figures: [], mode: 'llm', timings: {} });
    expect(text).toBe('Sizes:\n\n```\nModel | Dim\n------+----\nCLIP  | 512\n```');
  });
});
