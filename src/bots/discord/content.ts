/**
 * What a Discord message asks, wherever Discord put it, and whether it is addressed to the
 * bot at all:
 *
 * - the words: `content`, else a forwarded message's `message_snapshots` (a forward has an
 *   empty `content`);
 * - the images: the message's attachments, a forwarded message's, and — when the message
 *   has none — those of the message it replies to (someone replies to a screenshot and
 *   mentions the bot);
 * - addressed: a user mention of the bot, a mention of the bot's managed role (what the
 *   client inserts when you pick the bot's role), or a reply to one of the bot's messages.
 *
 * A message with nothing in it (a sticker, an embed-only link preview) yields no question.
 */
import type { Message } from 'discord.js';
import type { JobImage } from '../../queue/job.js';
import { MAX_IMAGES_PER_QUESTION } from '../../queue/job.js';
import { imagesFrom } from './filters.js';
import { stripBotMention } from './markdown.js';

export interface MessageContent {
  /** The words, mentions of the bot (user or role) removed; '' when there are none. */
  text: string;
  images: JobImage[];
  /** True when the words came from a forwarded message. */
  forwarded: boolean;
}

/** The bot's managed role in the message's guild (created for it when it joined), if known. */
export function botRoleId(message: Message, botId: string): string | undefined {
  return message.guild?.roles.botRoleFor(botId)?.id;
}

/** Is the bot addressed: mentioned (as a user or by its managed role), or replied to? */
export function mentionsBot(message: Message, botId: string): boolean {
  if (message.mentions.users.has(botId) || message.mentions.repliedUser?.id === botId) return true;
  const role = botRoleId(message, botId);
  return role !== undefined && message.mentions.roles.has(role);
}

function stripMentions(text: string, botId: string, roleId: string | undefined): string {
  const withoutRole = roleId ? text.replace(new RegExp(`<@&${roleId}>`, 'g'), ' ') : text;
  return stripBotMention(withoutRole, botId);
}

/** The question and images of a message (see the module comment). */
export async function contentOf(message: Message, botId: string): Promise<MessageContent> {
  const roleId = botRoleId(message, botId);
  let text = stripMentions(message.content, botId, roleId);
  let forwarded = false;
  const images: JobImage[] = [...imagesFrom(message.attachments.values())];
  for (const snapshot of message.messageSnapshots?.values() ?? []) {
    if (!text && snapshot.content) {
      text = stripMentions(snapshot.content, botId, roleId);
      forwarded = text.length > 0;
    }
    images.push(...imagesFrom(snapshot.attachments.values()));
  }
  if (images.length === 0 && message.reference?.messageId && message.reference.type !== 1) {
    images.push(...(await repliedToImages(message, botId)));
  }
  return { text, images: images.slice(0, MAX_IMAGES_PER_QUESTION), forwarded };
}

/** Images of the message this one replies to (not the bot's own answers: their figures are ours). */
async function repliedToImages(message: Message, botId: string): Promise<JobImage[]> {
  let referenced: Message;
  try {
    referenced = await message.fetchReference();
  } catch {
    return []; // deleted, or not visible to the bot: answer the words alone
  }
  if (referenced.author.id === botId) return [];
  const images = imagesFrom(referenced.attachments.values());
  for (const snapshot of referenced.messageSnapshots?.values() ?? []) images.push(...imagesFrom(snapshot.attachments.values()));
  return images;
}
