import type { Command } from 'commander';
import { NotImplementedError } from '../../errors.js';

export function registerAsk(program: Command): void {
  program
    .command('ask')
    .description('Answer a question on the terminal, with figures and sources.')
    .argument('<question>', 'the question')
    .option('--image <file>', 'attach an image to the question')
    .option('--json', 'print the answer object as JSON')
    .action(() => {
      throw new NotImplementedError('mrag ask');
    });
}
