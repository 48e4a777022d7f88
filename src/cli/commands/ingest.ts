import type { Command } from 'commander';
import { NotImplementedError } from '../../errors.js';

export function registerIngest(program: Command): void {
  program
    .command('ingest')
    .description('Build or update the index from files, directories or URLs.')
    .argument('<paths...>', 'files, directories or http(s) URLs')
    .option('--prune', 'remove documents whose source disappeared')
    .action(() => {
      throw new NotImplementedError('mrag ingest');
    });
}
