/**
 * Messages from the gateway: an @mention (of the bot or its managed role, or a reply to
 * the bot) in a channel starts a thread on the user's message; a message in a thread the
 * bot owns is a follow-up (no mention needed). The bot knows its threads from Redis, and
 * when Redis forgot (memory TTL, a restart) from Discord itself: the thread's `owner_id`.
 * Admit → thread → placeholder → enqueue; the worker does the rest. A message with nothing
 * to answer (a sticker, an embed) is ignored quietly unless the bot was mentioned.
 */
import { ChannelType, ThreadAutoArchiveDuration, type AnyThreadChannel, type Client, type Message } from 'discord.js';
import type { DiscordConfig } from '../../config/env.js';
import type { Logger } from '../../log.js';
import type { AskGateway } from '../../queue/gateway.js';
import { JOB_VERSION, type AskJobInput } from '../../queue/job.js';
import type { FeedbackStore } from '../../queue/feedback.js';
import { contentOf, mentionsBot } from './content.js';
import { checkPlace } from './filters.js';
import { threadNameFrom } from './markdown.js';
import { EMPTY_QUESTION_HINT, IMAGE_ONLY_QUESTION, NO_MENTIONS, PLACEHOLDER_TEXT } from './types.js';

export interface HandlerDeps {
  config: DiscordConfig;
  gateway: AskGateway;
  logger: Logger;
  client: Client;
  /** Where 👍/👎 clicks are stored (absent: clicks are answered "not enabled"). */
  feedback?: FeedbackStore;
}

const REPLY_WITHOUT_PING = { parse: [] as never[], repliedUser: false };

export function errorText(err: unknown): string {
  return err instanceof Error ? `${err.name}: ${err.message}` : String(err);
}

/**
 * Is this message addressed to the bot? Returns the conversation's channel (a thread's
 * parent) and whether to start a thread on the message, or null to ignore it.
 */
async function conversationOf(deps: HandlerDeps, message: Message, botId: string, mentioned: boolean): Promise<{ channelId: string; startThread: boolean } | null> {
  const channel = message.channel;
  if (!message.inGuild()) return { channelId: channel.id, startThread: false }; // a DM is always addressed to the bot
  if (channel.isThread()) {
    const parentId = channel.parentId ?? channel.id;
    if (mentioned || (await deps.gateway.isBotThread('discord', parentId, channel.id))) return { channelId: parentId, startThread: false };
    if (channel.ownerId === botId) {
      // Redis forgot the thread (memory expired, a restart without persistence), Discord did not.
      await deps.gateway.markBotThread('discord', parentId, channel.id);
      return { channelId: parentId, startThread: false };
    }
    return null; // someone else's thread, no mention
  }
  if (!mentioned) return null;
  const threadable = channel.type === ChannelType.GuildText || channel.type === ChannelType.GuildAnnouncement;
  return { channelId: channel.id, startThread: threadable };
}

async function handleMessage(deps: HandlerDeps, message: Message): Promise<void> {
  const { config, gateway, logger, client } = deps;
  const botId = client.user?.id;
  // Ignores itself (Discord echoes the bot's own messages), other bots, webhooks and system messages.
  if (!botId || message.author.bot || message.webhookId || message.system) return;
  const channel = message.channel;
  const parentId = channel.isThread() ? channel.parentId : null;
  if (checkPlace(config, message.guildId, channel.id, parentId) !== 'ok') return;
  const mentioned = mentionsBot(message, botId);
  const where = await conversationOf(deps, message, botId, mentioned);
  if (!where) return;
  const { text, images } = await contentOf(message, botId);
  // A sticker or an embed alone, in the bot's thread or a DM: nothing to answer, and no usage hint either.
  if (!text && images.length === 0 && !mentioned) return;

  const admission = await gateway.admit({ platform: 'discord', eventId: message.id, userId: message.author.id, channelId: where.channelId });
  if (!admission.ok) {
    if (admission.reason !== 'duplicate') await message.reply({ content: admission.message, allowedMentions: REPLY_WITHOUT_PING });
    return;
  }

  let question = text;
  if (question.length === 0) {
    if (images.length === 0) {
      await message.reply({ content: EMPTY_QUESTION_HINT, allowedMentions: REPLY_WITHOUT_PING });
      return;
    }
    question = IMAGE_ONLY_QUESTION;
  }

  let thread: AnyThreadChannel | undefined = channel.isThread() ? channel : undefined;
  if (where.startThread) {
    try {
      thread = await message.startThread({ name: threadNameFrom(question), autoArchiveDuration: ThreadAutoArchiveDuration.OneDay });
      await gateway.markBotThread('discord', where.channelId, thread.id);
    } catch (err) {
      // Missing "Create Public Threads"? Answer in the channel rather than not at all.
      logger.warn({ err: errorText(err) }, 'discord: could not start a thread; answering in the channel');
    }
  }

  const threadId = thread?.id;
  let placeholderId: string | undefined;
  try {
    const placeholder = thread
      ? await thread.send({ content: PLACEHOLDER_TEXT, allowedMentions: NO_MENTIONS })
      : await message.reply({ content: PLACEHOLDER_TEXT, allowedMentions: REPLY_WITHOUT_PING });
    placeholderId = placeholder.id;
  } catch (err) {
    // The worker posts its own placeholder when there is none: the question is not lost.
    logger.warn({ err: errorText(err) }, 'discord: could not post the placeholder');
  }

  const job: AskJobInput = {
    v: JOB_VERSION,
    platform: 'discord',
    eventId: message.id,
    workspaceId: message.guildId ?? undefined,
    channelId: where.channelId,
    threadId,
    placeholderId,
    userId: message.author.id,
    question,
    images,
    meta: { messageId: message.id, messageChannelId: channel.id },
    createdAt: Date.now(),
  };
  const result = await gateway.enqueue(job);
  if (!result.ok && result.reason === 'invalid') {
    const target = threadId ?? where.channelId;
    const text = `⚠️ ${result.message}`;
    if (placeholderId) await editMessage(client, target, placeholderId, text);
    else await message.reply({ content: text, allowedMentions: REPLY_WITHOUT_PING });
  }
}

async function editMessage(client: Client, channelId: string, messageId: string, content: string): Promise<void> {
  const channel = client.channels.cache.get(channelId);
  if (channel?.isTextBased()) await channel.messages.edit(messageId, { content, allowedMentions: NO_MENTIONS });
}

/** The `messageCreate` listener. It never throws: a failure is logged and the bot stays up. */
export function createMessageHandler(deps: HandlerDeps): (message: Message) => void {
  return (message) => {
    handleMessage(deps, message).catch((err: unknown) => deps.logger.error({ err: errorText(err) }, 'discord: message handling failed'));
  };
}
