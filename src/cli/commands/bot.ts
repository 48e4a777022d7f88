import type { Command } from 'commander';
import { NotImplementedError } from '../../errors.js';

export function registerBot(program: Command): void {
  program
    .command('bot')
    .description('Run the configured platform adapters (Discord, Slack).')
    .action(() => {
      throw new NotImplementedError('mrag bot');
    });
}
