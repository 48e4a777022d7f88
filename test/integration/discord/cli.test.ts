/** `mrag discord register` / `mrag discord invite` against the Discord stand-in's REST routes. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildProgram } from '../../../src/cli/main.js';
import { runInvite, runRegister } from '../../../src/cli/commands/discord.js';
import { loadConfig } from '../../../src/config/env.js';
import { UserFacingError } from '../../../src/errors.js';
import { createLogger } from '../../../src/log.js';
import { startDiscordStandIn, type DiscordStandIn } from '../../platforms/discord-standin.js';

const logger = createLogger({ level: 'silent' });
let standIn: DiscordStandIn;

beforeAll(async () => {
  standIn = await startDiscordStandIn();
});
afterAll(async () => {
  await standIn.stop();
});

function deps(env: Record<string, string> = {}) {
  const lines: string[] = [];
  const config = loadConfig({ DISCORD_TOKEN: standIn.token, DISCORD_API_URL: standIn.apiUrl, ...env });
  return { config, logger, out: (l: string) => void lines.push(l), lines };
}

describe('mrag discord', () => {
  it('register --guild asks Discord for the application id, then upserts /ask in that guild', async () => {
    const d = deps();
    await runRegister(d, standIn.guildId);
    const [me, post] = standIn.calls.slice(-2);
    expect([me!.method, me!.path]).toEqual(['GET', '/applications/@me']);
    expect([post!.method, post!.path]).toEqual(['POST', `/applications/${standIn.applicationId}/guilds/${standIn.guildId}/commands`]);
    expect(post!.authorized).toBe(true);
    expect(post!.body?.name).toBe('ask');
    // A guild command exists in that server only: Discord takes no contexts for it.
    expect(post!.body).not.toHaveProperty('contexts');
    expect(d.lines[0]).toContain(`Registered /ask in server ${standIn.guildId}`);
  });

  it('register without --guild registers globally with the configured application id', async () => {
    const d = deps({ DISCORD_APPLICATION_ID: standIn.applicationId });
    const before = standIn.calls.length;
    await runRegister(d);
    const calls = standIn.calls.slice(before);
    expect(calls.map((c) => `${c.method} ${c.path}`)).toEqual([`POST /applications/${standIn.applicationId}/commands`]);
    // Servers only (guild install, guild context): no DM entry while DISCORD_ALLOW_DMS is off.
    expect(calls[0]!.body).toMatchObject({ integration_types: [0], contexts: [0] });
    expect(d.lines[0]).toContain('Registered /ask globally for servers only');
  });

  it('register with DISCORD_ALLOW_DMS=true offers /ask in DMs with the bot too', async () => {
    const d = deps({ DISCORD_APPLICATION_ID: standIn.applicationId, DISCORD_ALLOW_DMS: 'true' });
    const before = standIn.calls.length;
    await runRegister(d);
    expect(standIn.calls.slice(before)[0]!.body).toMatchObject({ integration_types: [0], contexts: [0, 1] });
    expect(d.lines[0]).toContain('servers and DMs with the bot');
  });

  it('a rejected token is a clear one-line error without the token', async () => {
    const d = deps({ DISCORD_TOKEN: 'definitely-the-wrong-token' });
    const err = await runRegister(d, standIn.guildId).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserFacingError);
    expect((err as Error).message).toContain('is DISCORD_TOKEN right?');
    expect((err as Error).message).not.toContain('definitely-the-wrong-token');
  });

  it('invite prints the OAuth2 URL with the permission bits', async () => {
    const d = deps({ DISCORD_APPLICATION_ID: standIn.applicationId });
    await runInvite(d);
    const url = new URL(d.lines[0]!);
    expect(url.searchParams.get('client_id')).toBe(standIn.applicationId);
    expect(url.searchParams.get('permissions')).toBe('311385229312');
  });

  it('is wired into the mrag program', async () => {
    const saved = { ...process.env };
    const write = process.stdout.write.bind(process.stdout);
    const printed: string[] = [];
    process.env.DISCORD_TOKEN = standIn.token;
    process.env.DISCORD_API_URL = standIn.apiUrl;
    process.env.DISCORD_APPLICATION_ID = standIn.applicationId;
    process.stdout.write = ((chunk: string) => (printed.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      await buildProgram().parseAsync(['node', 'mrag', 'discord', 'invite']);
    } finally {
      process.stdout.write = write;
      process.env = saved;
    }
    expect(printed.join('')).toContain('permissions=311385229312');
  });
});
