import type { Command } from 'commander';
import { startApp } from '../../app/app.js';
import { runUntilSignal } from '../../app/signals.js';
import { configuredPlatforms } from '../../bots/registry.js';
import { getCliContext } from '../context.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('Run the bot and the worker in one process (local default; a terminal chat when no platform is configured).')
    .action(async () => {
      const { config, logger: baseLogger } = getCliContext();
      // In the terminal chat, info logs would interleave with the answers: show warnings
      // only, unless the user asked for a level.
      const chat = configuredPlatforms(config).length === 0;
      const logger = chat && !process.env.LOG_LEVEL ? baseLogger.child({}, { level: 'warn' }) : baseLogger;
      // A missing piece (e.g. a NotImplementedError from the knowledge base) surfaces as one
      // clear line from main.ts; startApp has already stopped what it started.
      const app = await startApp({ config, logger, worker: true, bots: true, local: true });
      await runUntilSignal(app, logger);
    });
}
