import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { ASK_COMMAND } from '../../../src/bots/slack/adapter.js';

const manifest = parse(readFileSync(new URL('../../../slack/manifest.yml', import.meta.url), 'utf8')) as {
  features: { slash_commands: { command: string }[]; bot_user: { display_name: string }; assistant_view?: { assistant_description: string } };
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] }; socket_mode_enabled: boolean; interactivity: { is_enabled: boolean } };
};

describe('slack/manifest.yml', () => {
  it('asks for the scopes the adapter needs', () => {
    expect(manifest.oauth_config.scopes.bot).toEqual(
      expect.arrayContaining(['app_mentions:read', 'assistant:write', 'chat:write', 'commands', 'files:write', 'files:read', 'channels:history', 'groups:history', 'im:history', 'mpim:history']),
    );
  });

  it('subscribes to the events the adapter listens to, with Socket Mode and interactivity on', () => {
    expect(manifest.settings.event_subscriptions.bot_events.sort()).toEqual([
      'app_mention',
      'assistant_thread_context_changed',
      'assistant_thread_started',
      'message.channels',
      'message.groups',
      'message.im',
      'message.mpim',
    ]);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    // The 👍/👎 buttons are interactivity; in Socket Mode no request URL is needed.
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
  });

  it('turns on the AI-app surface (assistant_view)', () => {
    expect(manifest.features.assistant_view?.assistant_description).toMatch(/documents/);
  });

  it('declares the slash command the adapter registers', () => {
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual([ASK_COMMAND]);
  });
});
