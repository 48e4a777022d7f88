import type { Command } from 'commander';
import { startApp } from '../../app/app.js';
import { ChatScreen } from '../../app/terminal-chat.js';
import { runUntilSignal } from '../../app/signals.js';
import { initLogger } from '../../log.js';
import { getCliContext } from '../context.js';

/** Quitting mid-answer should feel instant: the answer in progress is abandoned after at most this long. */
const CHAT_SHUTDOWN_MS = 1000;

export function registerChat(program: Command): void {
  program
    .command('chat')
    .description('Chat in the terminal (questions go through the same queue and worker; figures are listed as file paths).')
    .action(async () => {
      const { config } = getCliContext();
      const screen = new ChatScreen(process.stdout, process.stderr);
      // Warnings only (unless LOG_LEVEL says otherwise), and never inside the prompt line.
      const logger = initLogger({
        level: process.env.LOG_LEVEL ? config.logLevel : 'warn',
        secrets: config.secrets,
        destination: screen.log,
        pretty: process.stderr.isTTY === true,
      });
      const app = await startApp({
        config: { ...config, worker: { ...config.worker, shutdownTimeoutMs: Math.min(config.worker.shutdownTimeoutMs, CHAT_SHUTDOWN_MS) } },
        logger,
        worker: true,
        bots: true,
        local: true,
        chat: true,
        chatOutput: screen,
      });
      await runUntilSignal(app, logger);
    });
}
