/**
 * Who and where the bot answers, and what it takes from a message: the allowlists
 * (DISCORD_GUILD_IDS / DISCORD_CHANNEL_IDS), DMs only when DISCORD_ALLOW_DMS, and the
 * image attachments that go into the job.
 */
import type { Attachment } from 'discord.js';
import type { DiscordConfig } from '../../config/env.js';
import { MAX_IMAGES_PER_QUESTION, type JobImage } from '../../queue/job.js';

export type PlaceVerdict = 'ok' | 'dm_disabled' | 'guild_not_allowed' | 'channel_not_allowed';

/**
 * `channelId` is where the message was posted; `parentId` the thread's parent channel
 * (a thread is allowed when its parent is). `guildId` is null for DMs.
 */
export function checkPlace(config: DiscordConfig, guildId: string | null, channelId: string, parentId: string | null): PlaceVerdict {
  if (guildId === null) return config.allowDms ? 'ok' : 'dm_disabled';
  if (config.guildIds.length > 0 && !config.guildIds.includes(guildId)) return 'guild_not_allowed';
  if (config.channelIds.length > 0 && !config.channelIds.includes(channelId) && !(parentId && config.channelIds.includes(parentId))) {
    return 'channel_not_allowed';
  }
  return 'ok';
}

export const PLACE_REFUSALS: Record<Exclude<PlaceVerdict, 'ok'>, string> = {
  dm_disabled: 'I only answer in servers, not in direct messages.',
  guild_not_allowed: 'I am not enabled in this server.',
  channel_not_allowed: 'I am not enabled in this channel — please ask in one of the channels I watch.',
};

const IMAGE_EXTENSIONS = /\.(png|jpe?g|gif|webp|bmp)$/i;

export function isImage(attachment: Pick<Attachment, 'contentType' | 'name'>): boolean {
  return attachment.contentType?.startsWith('image/') ?? IMAGE_EXTENSIONS.test(attachment.name);
}

/** The image attachments of a message (at most the number a job accepts). */
export function imagesFrom(attachments: Iterable<Attachment>): JobImage[] {
  const images: JobImage[] = [];
  for (const a of attachments) {
    if (!isImage(a)) continue;
    images.push(toJobImage(a));
    if (images.length >= MAX_IMAGES_PER_QUESTION) break;
  }
  return images;
}

export function toJobImage(a: Attachment): JobImage {
  return { url: a.url, bytes: a.size, contentType: a.contentType ?? undefined, name: a.name };
}
