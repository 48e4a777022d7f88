/**
 * What the bot side does with each Slack input, after Bolt has acknowledged it:
 * check the allowlist and filters → `gateway.admit` (dedupe on the message itself:
 * channel + ts, so a re-delivery with a new `event_id`, or the same message arriving as
 * both `app_mention` and `message`, is answered once) → placeholder in the thread → mark
 * the thread as the bot's → `gateway.enqueue`. The worker does the rest over REST.
 */
import type { RespondFn, SlashCommand } from '@slack/bolt';
import type { SlackConfig } from '../../config/env.js';
import type { Logger } from '../../log.js';
import type { AskGateway } from '../../queue/gateway.js';
import type { JobImage } from '../../queue/job.js';
import type { BotIdentity, BotThreads } from './bot-threads.js';
import { slackErrorCode, type WebClient } from './client.js';
import { imagesOf, questionOf } from './content.js';
import { safeSlackText } from './mrkdwn.js';
import { PLACEHOLDER_TEXT, type SlackMessageEvent } from './types.js';

export interface HandlerDeps {
  config: SlackConfig;
  gateway: AskGateway;
  client: WebClient;
  logger: Logger;
  botThreads: BotThreads;
}

/** The envelope fields of an Events API delivery that we use. */
export interface EventEnvelope {
  event_id?: string;
  team_id?: string;
}

export { DEFAULT_IMAGE_QUESTION } from './content.js';
const USAGE = 'Ask me a question, e.g. `/ask how do I rotate the API keys?` or mention me with your question.';
export const INVITE_HELP =
  "I'm not a member of this channel, so I can't answer here. Invite me with `/invite @<my name>` (or mention me and click *Invite*), then ask again.";
/** Message subtypes that are still a person talking; every other subtype (edits, deletes, joins, bots) is ignored. */
export const USER_SUBTYPES = new Set<string | undefined>([undefined, 'file_share', 'thread_broadcast']);

export const allowed = (config: SlackConfig, channel: string) => config.channelIds.length === 0 || config.channelIds.includes(channel);

/**
 * The dedupe id of a message: the message itself (channel + ts). Slack sometimes delivers
 * one message twice with a new `event_id` and no retry header; its ts never changes.
 */
export const messageEventId = (channel: string, ts: string) => `${channel}:${ts}`;

export interface Ask {
  eventId: string;
  teamId?: string;
  channel: string;
  user: string;
  threadTs: string;
  question: string;
  images: JobImage[];
  meta: Record<string, string>;
  responseUrl?: string;
  /** Post "Searching the docs…" in the thread (false when an assistant status shows progress instead). */
  placeholder?: boolean;
}

export type Refusal = 'duplicate' | 'refused';

/** Dedupe and rate limits before anything is posted; a refusal is shown to the user only. */
export async function admit(deps: HandlerDeps, a: Pick<Ask, 'eventId' | 'user' | 'channel'>, refuse: (message: string) => Promise<unknown>): Promise<Refusal | undefined> {
  const admission = await deps.gateway.admit({ platform: 'slack', eventId: a.eventId, userId: a.user, channelId: a.channel });
  if (admission.ok) return undefined;
  if (admission.reason === 'duplicate') return 'duplicate';
  await refuse(admission.message);
  return 'refused';
}

/** Admit → placeholder → mark thread → enqueue. Returns what happened (for logs and tests). */
async function ask(deps: HandlerDeps, a: Ask): Promise<string> {
  const refusal = await admit(deps, a, (text) =>
    deps.client.chat.postEphemeral({ channel: a.channel, user: a.user, thread_ts: a.threadTs, text }),
  );
  return refusal ?? (await placeAndEnqueue(deps, a));
}

export async function placeAndEnqueue(deps: HandlerDeps, a: Ask): Promise<string> {
  const { gateway, client, logger } = deps;
  const placeholder = a.placeholder === false ? undefined : await client.chat.postMessage({ channel: a.channel, thread_ts: a.threadTs, text: PLACEHOLDER_TEXT });
  await gateway.markBotThread('slack', a.channel, a.threadTs);
  const result = await gateway.enqueue({
    v: 1,
    platform: 'slack',
    eventId: a.eventId,
    workspaceId: a.teamId,
    channelId: a.channel,
    threadId: a.threadTs,
    placeholderId: placeholder?.ts,
    userId: a.user,
    question: a.question,
    images: a.images,
    replyHandle: a.responseUrl ? { responseUrl: a.responseUrl } : undefined,
    meta: a.meta,
    createdAt: Date.now(),
  });
  if (result.ok) {
    logger.info({ eventId: a.eventId, jobId: result.jobId, channel: a.channel }, 'slack: question enqueued');
    return 'enqueued';
  }
  if (result.reason === 'invalid') {
    const text = `:warning: ${safeSlackText(result.message)}`;
    if (placeholder?.ts) await client.chat.update({ channel: a.channel, ts: placeholder.ts, text });
    else await client.chat.postMessage({ channel: a.channel, thread_ts: a.threadTs, text });
  } else if (placeholder?.ts) {
    await client.chat.delete({ channel: a.channel, ts: placeholder.ts });
  }
  return result.reason;
}

/** The question and images of a message event (text, blocks, shared messages, withheld files). */
export async function contentOf(deps: HandlerDeps, event: SlackMessageEvent): Promise<{ question: string; images: JobImage[] }> {
  const images = await imagesOf(event, deps.client, deps.logger);
  return { question: questionOf(event, images.length > 0), images };
}

/** `app_mention`: answer in the thread of the mention (or start one on it). */
export async function onMention(deps: HandlerDeps, event: SlackMessageEvent, envelope: EventEnvelope): Promise<string> {
  if (event.bot_id || !event.user || !USER_SUBTYPES.has(event.subtype)) return 'ignored';
  if (!allowed(deps.config, event.channel)) return 'not-allowed';
  const threadTs = event.thread_ts ?? event.ts;
  const { question, images } = await contentOf(deps, event);
  if (!question) {
    await deps.client.chat.postEphemeral({ channel: event.channel, user: event.user, thread_ts: threadTs, text: USAGE });
    return 'empty';
  }
  return await ask(deps, {
    eventId: messageEventId(event.channel, event.ts),
    teamId: envelope.team_id,
    channel: event.channel,
    user: event.user,
    threadTs,
    question,
    images,
    meta: { messageTs: event.ts, inThread: event.thread_ts ? '1' : '0' },
  });
}

/**
 * `message.*`: a follow-up in a thread the bot answered in (no mention needed; Redis or,
 * when Redis forgot, the thread's history says so), or any message in a DM with the bot.
 * Group DMs (`mpim`) behave like channels. Mentions are left to `app_mention` (Slack sends both).
 */
export async function onMessage(deps: HandlerDeps, event: SlackMessageEvent, envelope: EventEnvelope, me: BotIdentity): Promise<string> {
  if (event.bot_id || !event.user || event.user === me.userId || !USER_SUBTYPES.has(event.subtype)) return 'ignored';
  const isDm = event.channel_type === 'im';
  if (!isDm && me.userId && (event.text ?? '').includes(`<@${me.userId}>`)) return 'mention';
  if (!isDm && !event.thread_ts) return 'ignored';
  if (!allowed(deps.config, event.channel)) return 'not-allowed';
  if (!isDm && !(await deps.botThreads.isBotThread(event.channel, event.thread_ts!, me))) return 'not-bot-thread';
  const { question, images } = await contentOf(deps, event);
  // Stickers, emoji-only reactions, non-image files: nothing to answer, and no usage hint in the bot's own thread.
  if (!question) return 'empty';
  return await ask(deps, {
    eventId: messageEventId(event.channel, event.ts),
    teamId: envelope.team_id,
    channel: event.channel,
    user: event.user,
    threadTs: event.thread_ts ?? event.ts,
    question,
    images,
    meta: { messageTs: event.ts, inThread: event.thread_ts ? '1' : '0' },
  });
}

/**
 * `/ask <question>` (already acked). Slash commands don't run in threads, so the question
 * is posted as a root message ("<@user> asked: …") and answered in its thread.
 */
export async function onAskCommand(deps: HandlerDeps, command: SlashCommand, respond: RespondFn): Promise<string> {
  const { client, config } = deps;
  const question = command.text.trim();
  if (!allowed(config, command.channel_id)) {
    await respond({ response_type: 'ephemeral', text: "I'm not enabled in this channel." });
    return 'not-allowed';
  }
  if (!question) {
    await respond({ response_type: 'ephemeral', text: USAGE });
    return 'empty';
  }
  const who = { eventId: command.trigger_id, user: command.user_id, channel: command.channel_id };
  const refusal = await admit(deps, who, (text) => respond({ response_type: 'ephemeral', text }));
  if (refusal) return refusal;
  let rootTs: string | undefined;
  try {
    const root = await client.chat.postMessage({
      channel: command.channel_id,
      text: `<@${command.user_id}> asked: ${safeSlackText(question)}`,
      unfurl_links: false,
    });
    rootTs = root.ts;
  } catch (err) {
    const code = slackErrorCode(err);
    if (code === 'not_in_channel' || code === 'channel_not_found') {
      await respond({ response_type: 'ephemeral', text: INVITE_HELP });
      return 'not-in-channel';
    }
    throw err;
  }
  if (!rootTs) throw new Error('chat.postMessage returned no ts');
  return await placeAndEnqueue(deps, {
    eventId: command.trigger_id,
    teamId: command.team_id,
    channel: command.channel_id,
    user: command.user_id,
    threadTs: rootTs,
    question,
    images: [],
    meta: { rootTs, inThread: '0' },
    responseUrl: command.response_url,
  });
}
