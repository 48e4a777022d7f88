import type { Command } from 'commander';
import { startApp } from '../../app/app.js';
import { runUntilSignal } from '../../app/signals.js';
import { credentialedPlatforms } from '../../bots/registry.js';
import { getCliContext } from '../context.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('Run everything in one process: the web chat (and Discord/Slack when configured) plus the worker, with a private Redis and the shipped articles when needed.')
    .action(async () => {
      const { config, logger } = getCliContext();
      // A missing piece surfaces as one clear line from main.ts; startApp has already
      // stopped what it started.
      const platforms = [...new Set([...credentialedPlatforms(config).map((p) => p.name), 'web' as const])];
      const app = await startApp({ config, logger, worker: true, bots: true, local: true, platforms });
      if (app.httpUrl) process.stdout.write(`\nmrag-bot is running. Open the web chat: ${app.httpUrl}\n(Ctrl-C stops it.)\n\n`);
      await runUntilSignal(app, logger);
    });
}
