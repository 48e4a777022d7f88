import type { Command } from 'commander';
import { startApp } from '../../app/app.js';
import { runUntilSignal } from '../../app/signals.js';
import { getCliContext } from '../context.js';

export function registerWeb(program: Command): void {
  program
    .command('web')
    .description('Serve only the web chat (its questions are answered by `mrag worker` processes); --with-worker answers them in this process too.')
    .option('--with-worker', 'also run the worker (and the knowledge base: enables search on the knowledge base page)')
    .action(async (opts: { withWorker?: boolean }) => {
      const { config, logger } = getCliContext();
      const app = await startApp({ config, logger, worker: opts.withWorker === true, bots: true, local: false, platforms: ['web'] });
      process.stdout.write(`Web chat: ${app.httpUrl}${opts.withWorker ? '' : ' (answers come from `mrag worker` processes on the same Redis)'}\n`);
      await runUntilSignal(app, logger);
    });
}
