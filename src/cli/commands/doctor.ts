import type { Command } from 'commander';
import { formatLine, runDoctor } from '../doctor/index.js';

export function registerDoctor(program: Command): void {
  program
    .command('doctor')
    .description('Check the whole set-up (configuration, Redis, Ollama, embedding model, index, Discord/Slack credentials); exit code 1 when something required is broken.')
    .option('--timeout-ms <n>', 'time limit of each network call', '5000')
    .action(async (flags: { timeoutMs: string }) => {
      const timeoutMs = Number(flags.timeoutMs);
      const { exitCode } = await runDoctor({
        timeoutMs: Number.isFinite(timeoutMs) && timeoutMs > 0 ? timeoutMs : 5000,
        onLine: (line) => process.stdout.write(formatLine(line) + '\n'),
      });
      process.stdout.write(exitCode === 0 ? 'No required check failed.\n' : 'Something required is broken: see the ✗ lines above.\n');
      process.exitCode = exitCode;
    });
}
