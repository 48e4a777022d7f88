/**
 * The `/ask` slash command, its registration (global or per guild), and the OAuth2
 * invite URL with exactly the permissions the bot uses.
 *
 * A global `/ask` declares where it appears (`contexts`) and how the app is installed
 * (`integration_types`): in servers always, in the bot's DMs only when DISCORD_ALLOW_DMS
 * is on — so nobody is offered a command the bot would refuse. Guild commands exist in
 * that one server only, and Discord takes neither field for them.
 */
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
  ApplicationIntegrationType,
  InteractionContextType,
  PermissionFlagsBits,
  Routes,
  type REST,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { MAX_QUESTION_CHARS } from '../../config/env.js';
import { ASK_COMMAND_NAME } from './types.js';

export const ASK_COMMAND: RESTPostAPIChatInputApplicationCommandsJSONBody = {
  name: ASK_COMMAND_NAME,
  type: ApplicationCommandType.ChatInput,
  description: 'Ask the docs a question; the answer comes with the figures it used.',
  options: [
    {
      type: ApplicationCommandOptionType.String,
      name: 'question',
      description: 'Your question',
      required: true,
      max_length: MAX_QUESTION_CHARS,
    },
    {
      type: ApplicationCommandOptionType.Attachment,
      name: 'image',
      description: 'An image to ask about (a screenshot, a diagram…)',
      required: false,
    },
  ],
};

/** Where a global `/ask` appears: servers, plus the bot's DMs when they are answered. */
export function askCommandFor(options: { allowDms: boolean; global: boolean }): RESTPostAPIChatInputApplicationCommandsJSONBody {
  if (!options.global) return ASK_COMMAND;
  return {
    ...ASK_COMMAND,
    integration_types: [ApplicationIntegrationType.GuildInstall],
    contexts: options.allowDms ? [InteractionContextType.Guild, InteractionContextType.BotDM] : [InteractionContextType.Guild],
  };
}

/** Every permission the bot needs, and no other. */
export const BOT_PERMISSIONS: readonly (keyof typeof PermissionFlagsBits)[] = [
  'SendMessages',
  'SendMessagesInThreads',
  'CreatePublicThreads',
  'AttachFiles',
  'ReadMessageHistory',
  'UseApplicationCommands',
];

export function botPermissionBits(): bigint {
  return BOT_PERMISSIONS.reduce((bits, name) => bits | PermissionFlagsBits[name], 0n);
}

const AUTHORIZE_URL = 'https://discord.com/oauth2/authorize';

export function inviteUrl(applicationId: string): string {
  const params = new URLSearchParams({
    client_id: applicationId,
    scope: 'bot applications.commands',
    permissions: botPermissionBits().toString(),
  });
  return `${AUTHORIZE_URL}?${params.toString()}`;
}

/** The application id: configured, or asked from Discord with the bot token. */
export async function resolveApplicationId(rest: REST, configured: string | undefined): Promise<string> {
  if (configured) return configured;
  const app = (await rest.get(Routes.currentApplication())) as { id: string };
  return app.id;
}

/**
 * Create or update `/ask` (POST upserts by name, leaving the application's other commands
 * alone). Guild commands appear at once; global ones can take a while to propagate.
 */
export async function registerAskCommand(rest: REST, applicationId: string, guildId?: string, options: { allowDms?: boolean } = {}): Promise<{ id: string }> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  const body = askCommandFor({ allowDms: options.allowDms ?? false, global: guildId === undefined });
  return (await rest.post(route, { body })) as { id: string };
}
