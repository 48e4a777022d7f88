/**
 * The `/ask` slash command, its registration (global or per guild), and the OAuth2
 * invite URL with exactly the permissions the bot uses.
 */
import {
  ApplicationCommandOptionType,
  ApplicationCommandType,
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
export async function registerAskCommand(rest: REST, applicationId: string, guildId?: string): Promise<{ id: string }> {
  const route = guildId ? Routes.applicationGuildCommands(applicationId, guildId) : Routes.applicationCommands(applicationId);
  return (await rest.post(route, { body: ASK_COMMAND })) as { id: string };
}
