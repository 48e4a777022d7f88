import type { Command } from 'commander';
import { NotImplementedError } from '../../errors.js';

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('Measure retrieval (recall@k, MRR) on a questions.jsonl file.')
    .argument('<questions>', 'JSONL file: one question per line with expected source/figure ids')
    .option('--answers', 'also generate answers and score their citations')
    .action(() => {
      throw new NotImplementedError('mrag eval');
    });
}
