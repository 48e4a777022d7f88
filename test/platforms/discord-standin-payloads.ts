/**
 * Builders for Discord API objects (v10 wire format) used by the Discord stand-in.
 * Only the fields discord.js 14 reads are filled in; ids are real snowflakes so that
 * `createdTimestamp` (e.g. of an interaction) is the moment the object was made.
 */

const DISCORD_EPOCH = 1420070400000n;
let increment = 0n;

/** A snowflake for "now" (unique within this process). */
export function snowflake(at: number = Date.now()): string {
  increment = (increment + 1n) & 0xfffn;
  return (((BigInt(at) - DISCORD_EPOCH) << 22n) | (1n << 17n) | increment).toString();
}

export interface UserPayload {
  id: string;
  username: string;
  discriminator: string;
  global_name: string | null;
  avatar: null;
  bot?: boolean;
}

export function userPayload(id: string, username: string, bot = false): UserPayload {
  return { id, username, discriminator: '0', global_name: username, avatar: null, ...(bot ? { bot: true } : {}) };
}

export interface AttachmentPayload {
  id: string;
  filename: string;
  size: number;
  url: string;
  proxy_url: string;
  content_type?: string;
  width?: number;
  height?: number;
}

export function textChannelPayload(id: string, guildId: string, name: string): Record<string, unknown> {
  return {
    id,
    type: 0,
    guild_id: guildId,
    name,
    position: 0,
    permission_overwrites: [],
    parent_id: null,
    topic: null,
    nsfw: false,
    last_message_id: null,
    rate_limit_per_user: 0,
    flags: 0,
  };
}

export function threadPayload(id: string, guildId: string, parentId: string, ownerId: string, name: string): Record<string, unknown> {
  return {
    id,
    type: 11,
    guild_id: guildId,
    parent_id: parentId,
    owner_id: ownerId,
    name,
    last_message_id: null,
    message_count: 0,
    member_count: 1,
    total_message_sent: 0,
    rate_limit_per_user: 0,
    flags: 0,
    thread_metadata: { archived: false, auto_archive_duration: 1440, archive_timestamp: new Date().toISOString(), locked: false },
  };
}

export function guildPayload(options: {
  id: string;
  ownerId: string;
  channels: Record<string, unknown>[];
  threads: Record<string, unknown>[];
  botUser: UserPayload;
  /** The managed role Discord creates for a bot when it joins (tags.bot_id = the bot). */
  botRoleId?: string;
}): Record<string, unknown> {
  const now = new Date().toISOString();
  return {
    id: options.id,
    name: 'Stand-in guild',
    icon: null,
    splash: null,
    discovery_splash: null,
    owner_id: options.ownerId,
    afk_channel_id: null,
    afk_timeout: 300,
    verification_level: 0,
    default_message_notifications: 0,
    explicit_content_filter: 0,
    roles: [
      { id: options.id, name: '@everyone', permissions: '1071698660929', position: 0, color: 0, hoist: false, managed: false, mentionable: false, flags: 0, icon: null, unicode_emoji: null },
      ...(options.botRoleId
        ? [{ id: options.botRoleId, name: options.botUser.username, permissions: '311385229312', position: 1, color: 0, hoist: false, managed: true, mentionable: false, flags: 0, icon: null, unicode_emoji: null, tags: { bot_id: options.botUser.id } }]
        : []),
    ],
    emojis: [],
    stickers: [],
    features: [],
    mfa_level: 0,
    system_channel_id: null,
    system_channel_flags: 0,
    rules_channel_id: null,
    vanity_url_code: null,
    description: null,
    banner: null,
    premium_tier: 0,
    preferred_locale: 'en-US',
    public_updates_channel_id: null,
    nsfw_level: 0,
    premium_progress_bar_enabled: false,
    joined_at: now,
    large: false,
    unavailable: false,
    member_count: 2,
    voice_states: [],
    members: [{ user: options.botUser, roles: options.botRoleId ? [options.botRoleId] : [], joined_at: now, deaf: false, mute: false, flags: 0 }],
    channels: options.channels,
    threads: options.threads,
    presences: [],
    stage_instances: [],
    guild_scheduled_events: [],
    soundboard_sounds: [],
  };
}

export function messagePayload(options: {
  id?: string;
  channelId: string;
  guildId?: string;
  author: UserPayload;
  content: string;
  mentions?: UserPayload[];
  attachments?: AttachmentPayload[];
  referencedMessage?: Record<string, unknown>;
  flags?: number;
  webhookId?: string;
  mentionRoles?: string[];
  stickers?: { id: string; name: string; format_type: number }[];
  embeds?: Record<string, unknown>[];
  /** A forwarded message: its snapshot (content, attachments); `content` is then empty, as Discord sends it. */
  forwardOf?: { message: Record<string, unknown>; channelId: string };
}): Record<string, unknown> {
  const id = options.id ?? snowflake();
  const ref = options.referencedMessage;
  const forward = options.forwardOf;
  return {
    id,
    channel_id: options.channelId,
    ...(options.guildId ? { guild_id: options.guildId } : {}),
    author: options.author,
    ...(options.guildId && !options.author.bot ? { member: { roles: [], joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 } } : {}),
    content: options.content,
    timestamp: new Date().toISOString(),
    edited_timestamp: null,
    tts: false,
    mention_everyone: false,
    mentions: options.mentions ?? [],
    mention_roles: options.mentionRoles ?? [],
    attachments: options.attachments ?? [],
    embeds: options.embeds ?? [],
    ...(options.stickers ? { sticker_items: options.stickers } : {}),
    pinned: false,
    type: ref ? 19 : 0,
    flags: options.flags ?? 0,
    components: [],
    ...(options.webhookId ? { webhook_id: options.webhookId } : {}),
    ...(ref
      ? { message_reference: { type: 0, message_id: ref.id, channel_id: ref.channel_id, guild_id: options.guildId }, referenced_message: ref }
      : {}),
    ...(forward
      ? {
          message_reference: { type: 1, message_id: forward.message.id, channel_id: forward.channelId, guild_id: options.guildId },
          message_snapshots: [{ message: { type: 0, content: forward.message.content, embeds: [], attachments: forward.message.attachments ?? [], timestamp: forward.message.timestamp, edited_timestamp: null, flags: 0, mentions: [], mention_roles: [] } }],
        }
      : {}),
  };
}

export function chatInputInteractionPayload(options: {
  id?: string;
  applicationId: string;
  guildId?: string;
  channel: Record<string, unknown>;
  user: UserPayload;
  token: string;
  question: string;
  image?: AttachmentPayload;
}): Record<string, unknown> {
  const opts: Record<string, unknown>[] = [{ name: 'question', type: 3, value: options.question }];
  if (options.image) opts.push({ name: 'image', type: 11, value: options.image.id });
  return {
    id: options.id ?? snowflake(),
    application_id: options.applicationId,
    type: 2,
    data: {
      id: '900000000000000001',
      name: 'ask',
      type: 1,
      options: opts,
      ...(options.image ? { resolved: { attachments: { [options.image.id]: options.image } } } : {}),
    },
    ...(options.guildId
      ? {
          guild_id: options.guildId,
          member: { user: options.user, roles: [], permissions: '1071698660929', joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
        }
      : { user: options.user }),
    channel: options.channel,
    channel_id: options.channel.id,
    token: options.token,
    version: 1,
    app_permissions: '1071698660929',
    locale: 'en-US',
    ...(options.guildId ? { guild_locale: 'en-US' } : {}),
    entitlements: [],
    authorizing_integration_owners: { '0': options.guildId ?? options.user.id },
    context: options.guildId ? 0 : 1,
    attachment_size_limit: 10 * 1024 * 1024,
  };
}

/** A click on a message component (MESSAGE_COMPONENT interaction, type 3) of `message`. */
export function componentInteractionPayload(options: {
  id?: string;
  applicationId: string;
  guildId: string;
  channel: Record<string, unknown>;
  user: UserPayload;
  token: string;
  message: Record<string, unknown>;
  customId: string;
}): Record<string, unknown> {
  return {
    id: options.id ?? snowflake(),
    application_id: options.applicationId,
    type: 3,
    data: { custom_id: options.customId, component_type: 2 },
    guild_id: options.guildId,
    member: { user: options.user, roles: [], permissions: '1071698660929', joined_at: new Date().toISOString(), deaf: false, mute: false, flags: 0 },
    channel: options.channel,
    channel_id: options.channel.id,
    message: options.message,
    token: options.token,
    version: 1,
    app_permissions: '1071698660929',
    locale: 'en-US',
    guild_locale: 'en-US',
    entitlements: [],
    authorizing_integration_owners: { '0': options.guildId },
    context: 0,
    attachment_size_limit: 10 * 1024 * 1024,
  };
}
