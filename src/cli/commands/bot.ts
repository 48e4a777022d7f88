import type { Command } from 'commander';
import { startApp } from '../../app/app.js';
import { runUntilSignal } from '../../app/signals.js';
import { configuredPlatforms } from '../../bots/registry.js';
import { UserFacingError } from '../../errors.js';
import { getCliContext } from '../context.js';

export const NO_PLATFORM_MESSAGE =
  'No platform is configured: set DISCORD_TOKEN, or SLACK_BOT_TOKEN with SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode). For a local terminal chat run `mrag start`.';

export function registerBot(program: Command): void {
  program
    .command('bot')
    .description('Run the configured platform adapters (Discord, Slack).')
    .action(async () => {
      const { config, logger } = getCliContext();
      if (configuredPlatforms(config).length === 0) throw new UserFacingError('no_platform', NO_PLATFORM_MESSAGE);
      const app = await startApp({ config, logger, worker: false, bots: true, local: false });
      await runUntilSignal(app, logger);
    });
}
