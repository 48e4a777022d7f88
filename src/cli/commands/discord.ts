/**
 * `mrag discord register [--guild <id>]` — create or update the /ask slash command.
 * `mrag discord invite` — print the OAuth2 invite URL with exactly the bot's permissions.
 */
import type { Command } from 'commander';
import { inviteUrl, registerAskCommand, resolveApplicationId } from '../../bots/discord/commands.js';
import { createDiscordRest } from '../../bots/discord/worker-side.js';
import type { Config, DiscordConfig } from '../../config/env.js';
import { UserFacingError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { getCliContext } from '../context.js';

interface Deps {
  config: Config;
  logger: Logger;
  out: (line: string) => void;
}

function requireDiscord(config: Config): DiscordConfig {
  if (!config.discord) {
    throw new UserFacingError('discord_not_configured', 'DISCORD_TOKEN is not set: create a bot in the Discord Developer Portal and set DISCORD_TOKEN (see docs/discord.md).');
  }
  return config.discord;
}

async function withRest<T>(deps: Deps, run: (rest: ReturnType<typeof createDiscordRest>, discord: DiscordConfig) => Promise<T>): Promise<T> {
  const discord = requireDiscord(deps.config);
  const rest = createDiscordRest(discord, deps.logger);
  try {
    return await run(rest, discord);
  } catch (err) {
    if (err instanceof UserFacingError) throw err;
    const status = (err as { status?: number }).status;
    const hint = status === 401 ? ' (is DISCORD_TOKEN right?)' : status === 403 || status === 404 ? ' (is the bot in that server, and the id right?)' : '';
    throw new UserFacingError('discord_request_failed', `Discord refused the request: ${err instanceof Error ? err.message : String(err)}${hint}`, { cause: err });
  } finally {
    rest.clearHashSweeper();
    rest.clearHandlerSweeper();
  }
}

export async function runRegister(deps: Deps, guildId?: string): Promise<void> {
  await withRest(deps, async (rest, discord) => {
    if (guildId !== undefined && !/^\d{5,25}$/.test(guildId)) throw new UserFacingError('bad_guild_id', `--guild must be a numeric server id (got ${JSON.stringify(guildId)}).`);
    const applicationId = await resolveApplicationId(rest, discord.applicationId);
    const command = await registerAskCommand(rest, applicationId, guildId, { allowDms: discord.allowDms });
    const where = discord.allowDms ? 'servers and DMs with the bot' : 'servers only (DISCORD_ALLOW_DMS is off)';
    deps.out(
      guildId
        ? `Registered /ask in server ${guildId} (command ${command.id}); it is available now.`
        : `Registered /ask globally for ${where} (command ${command.id}); Discord can take a while to show it everywhere.`,
    );
  });
}

export async function runInvite(deps: Deps): Promise<void> {
  const discord = requireDiscord(deps.config);
  const applicationId = discord.applicationId ?? (await withRest(deps, (rest) => resolveApplicationId(rest, undefined)));
  deps.out(inviteUrl(applicationId));
}

export function registerDiscord(program: Command): void {
  const discord = program.command('discord').description('Discord set-up helpers.');
  const out = (line: string) => void process.stdout.write(`${line}\n`);
  discord
    .command('register')
    .description('Register the /ask slash command (global, or for one guild).')
    .option('--guild <id>', 'register for one guild only (instant)')
    .action(async (options: { guild?: string }) => {
      await runRegister({ ...getCliContext(), out }, options.guild);
    });
  discord
    .command('invite')
    .description('Print the OAuth2 invite URL with exactly the permissions the bot uses.')
    .action(async () => {
      await runInvite({ ...getCliContext(), out });
    });
}
