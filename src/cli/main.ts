/**
 * The `mrag` command line. Each sub-command lives in its own file under ./commands and
 * registers itself on the program; this file only assembles them and turns errors into
 * one clear line on stderr.
 */
import { Command } from 'commander';
import { ConfigError, UserFacingError } from '../errors.js';
import { createCliContext } from './context.js';
import { registerAsk } from './commands/ask.js';
import { registerBot } from './commands/bot.js';
import { registerChat } from './commands/chat.js';
import { registerDiscord } from './commands/discord.js';
import { registerDoctor } from './commands/doctor.js';
import { registerEval } from './commands/eval.js';
import { registerFeedback } from './commands/feedback.js';
import { registerIngest } from './commands/ingest.js';
import { registerModel } from './commands/model.js';
import { registerSearch } from './commands/search.js';
import { registerStart } from './commands/start.js';
import { registerWeb } from './commands/web.js';
import { registerWorker } from './commands/worker.js';

export function buildProgram(): Command {
  const program = new Command()
    .name('mrag')
    .description('Multimodal RAG chatbot for Discord and Slack: answers from your documents and their figures.')
    .showHelpAfterError()
    // Every command starts from a validated environment: a malformed variable stops here
    // with one line naming it.
    .hook('preAction', (_program, command) => {
      // `mrag doctor` reads the configuration itself: it reports every malformed variable
      // as a ✗ line and goes on checking the rest.
      if (command.name() !== 'doctor') createCliContext();
    });
  registerIngest(program);
  registerSearch(program);
  registerAsk(program);
  registerEval(program);
  registerWorker(program);
  registerBot(program);
  registerStart(program);
  registerWeb(program);
  registerChat(program);
  registerDiscord(program);
  registerFeedback(program);
  registerDoctor(program);
  registerModel(program);
  return program;
}

/** Print an error the way a user should see it: one line, no stack for known errors. */
export function reportError(err: unknown): number {
  if (err instanceof ConfigError) {
    process.stderr.write(`mrag: ${err.message}\n`);
    return 2;
  }
  if (err instanceof UserFacingError) {
    process.stderr.write(`mrag: ${err.message}\n`);
    return 1;
  }
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`mrag: unexpected error: ${message}\n`);
  if (process.env.MRAG_DEBUG && err instanceof Error && err.stack) process.stderr.write(err.stack + '\n');
  return 1;
}

export async function main(argv: string[] = process.argv): Promise<void> {
  try {
    await buildProgram().parseAsync(argv);
  } catch (err) {
    process.exitCode = reportError(err);
  }
}
