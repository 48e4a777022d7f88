import type { Command } from 'commander';
import { startApp } from '../../app/app.js';
import { runUntilSignal } from '../../app/signals.js';
import { getCliContext } from '../context.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Run the queue worker (retrieval + generation + replies).')
    .action(async () => {
      const { config, logger } = getCliContext();
      const app = await startApp({ config, logger, worker: true, bots: false, local: false });
      await runUntilSignal(app, logger);
    });
}
