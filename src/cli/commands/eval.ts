/** `mrag eval <questions.jsonl> [--answers] [--k n] [--json]`: retrieval (and citation) quality. */
import type { Command } from 'commander';
import { UserFacingError } from '../../errors.js';
import { createAnswerer, type RunningAnswerer } from '../../rag/answer/index.js';
import { formatEvalReport, runEval } from '../../rag/eval/run.js';
import { loadQuestions } from '../../rag/eval/questions.js';
import { openKnowledgeBase } from '../../rag/knowledge-base.js';
import { getCliContext } from '../context.js';

function parseK(value: string): number {
  const k = Number(value);
  if (!Number.isInteger(k) || k < 1 || k > 100) throw new UserFacingError('eval_bad_k', '--k must be a whole number from 1 to 100');
  return k;
}

export function registerEval(program: Command): void {
  program
    .command('eval')
    .description('Measure retrieval (recall@k, MRR) on a questions.jsonl file, beside a BM25-only baseline.')
    .argument('<questions>', 'JSONL file: one question per line with expected source/figure ids')
    .option('--answers', 'also generate answers and score their citations')
    .option('--k <n>', 'cut-off rank for recall and MRR', '5')
    .option('--json', 'print the report as JSON')
    .action(async (file: string, opts: { answers?: boolean; k: string; json?: boolean }) => {
      const { config, logger } = getCliContext();
      const k = parseK(opts.k);
      const questions = await loadQuestions(file);
      const knowledgeBase = await openKnowledgeBase({ config, logger });
      let answerer: RunningAnswerer | undefined;
      try {
        if (opts.answers) answerer = await createAnswerer({ config, logger, knowledgeBase });
        const report = await runEval({
          retriever: knowledgeBase,
          baseline: knowledgeBase.bm25,
          questions,
          k,
          answerer,
          onProgress: process.stderr.isTTY ? (done, total) => process.stderr.write(`\r${done}/${total} questions`) : undefined,
        });
        if (process.stderr.isTTY) process.stderr.write('\n');
        process.stdout.write((opts.json ? JSON.stringify(report, null, 2) : formatEvalReport(report)) + '\n');
      } finally {
        await answerer?.close();
        await knowledgeBase.close();
      }
    });
}
