import type { Command } from 'commander';
import { startApp } from '../../app/app.js';
import { runUntilSignal } from '../../app/signals.js';
import { credentialedPlatforms } from '../../bots/registry.js';
import { UserFacingError } from '../../errors.js';
import { getCliContext } from '../context.js';

export const NO_PLATFORM_MESSAGE =
  'No platform is configured: set DISCORD_TOKEN, or SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode), or WEB_TOKEN for the web chat. To try it locally run `mrag start` (web chat) or `mrag chat` (terminal).';

export function registerBot(program: Command): void {
  program
    .command('bot')
    .description('Run the configured platform adapters (Discord, Slack; the web chat when WEB_TOKEN is set).')
    .action(async () => {
      const { config, logger } = getCliContext();
      if (credentialedPlatforms(config).length === 0) throw new UserFacingError('no_platform', NO_PLATFORM_MESSAGE);
      // Discord and Slack, and the web chat when WEB_TOKEN is set (its own command: `mrag web`).
      const app = await startApp({ config, logger, worker: false, bots: true, local: false });
      await runUntilSignal(app, logger);
    });
}
