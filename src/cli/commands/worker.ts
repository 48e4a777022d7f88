import type { Command } from 'commander';
import { NotImplementedError } from '../../errors.js';

export function registerWorker(program: Command): void {
  program
    .command('worker')
    .description('Run the queue worker (retrieval + generation + replies).')
    .action(() => {
      throw new NotImplementedError('mrag worker');
    });
}
