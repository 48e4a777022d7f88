/**
 * `mrag feedback export`: every 👍/👎 stored by Slack, Discord and the web chat, one JSON
 * object per line (oldest first) with the question, the answer, its sources and figures.
 * Each line has a `question` field, so the file can be fed to `mrag eval` after adding
 * the expected sources.
 */
import type { Command } from 'commander';
import { createFeedbackStore } from '../../queue/feedback.js';
import { closeRedisConnection, createRedisConnection } from '../../queue/redis.js';
import { getCliContext } from '../context.js';

export function registerFeedback(program: Command): void {
  const feedback = program.command('feedback').description('Feedback (👍/👎) users gave on answers.');
  feedback
    .command('export')
    .description('Print every rating as JSONL (question, answer, sources, figures, rating, platform).')
    .option('--rating <up|down>', 'only this rating')
    .action(async (opts: { rating?: string }) => {
      const { config, logger } = getCliContext();
      const connection = createRedisConnection(config.redis.url, { logger });
      try {
        const entries = await createFeedbackStore(connection, config.redis.prefix).export();
        for (const entry of entries) {
          if (opts.rating && entry.rating !== opts.rating) continue;
          process.stdout.write(JSON.stringify(entry) + '\n');
        }
      } finally {
        await closeRedisConnection(connection);
      }
    });
}
