import type { Command } from 'commander';
import { NotImplementedError } from '../../errors.js';

export function registerSearch(program: Command): void {
  program
    .command('search')
    .description('Search text chunks and figures (no LLM).')
    .argument('<query>', 'the query text')
    .option('--image <file>', 'search with an image too')
    .option('--json', 'print JSON')
    .action(() => {
      throw new NotImplementedError('mrag search');
    });
}
