import type { Command } from 'commander';
import { NotImplementedError } from '../../errors.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('Run the bot and the worker in one process (local default; a terminal chat when no platform is configured).')
    .action(() => {
      throw new NotImplementedError('mrag start');
    });
}
