import type { Command } from 'commander';
import { NotImplementedError } from '../../errors.js';

export function registerDiscord(program: Command): void {
  const discord = program.command('discord').description('Discord set-up helpers.');
  discord
    .command('register')
    .description('Register the /ask slash command (global, or for one guild).')
    .option('--guild <id>', 'register for one guild only (instant)')
    .action(() => {
      throw new NotImplementedError('mrag discord register');
    });
  discord
    .command('invite')
    .description('Print the OAuth2 invite URL with exactly the permissions the bot uses.')
    .action(() => {
      throw new NotImplementedError('mrag discord invite');
    });
}
