/**
 * "Is this thread one the bot answered in?" — without relying on Redis alone. Thread
 * memory expires (and a Redis restart without persistence forgets it), but Slack's thread
 * history still shows the bot's own messages: when Redis does not know the thread, read
 * `conversations.replies` once, and mark the thread again when the bot is in it.
 * Negative answers are cached briefly so that busy threads of other people cost one call
 * per NEGATIVE_TTL_MS, not one per message.
 */
import type { Logger } from '../../log.js';
import type { AskGateway } from '../../queue/gateway.js';
import { slackErrorCode, type WebClient } from './client.js';
import type { SlackThreadMessage } from './types.js';

/** How long "not the bot's thread" is believed before Slack is asked again (ms). */
export const NEGATIVE_TTL_MS = 60_000;
/** Threads remembered as "not ours" at most (oldest forgotten first). */
const MAX_NEGATIVE = 2000;
/** Messages read from the thread's start: the bot answers the first question, so its reply is near the top. */
const HISTORY_LIMIT = 50;

export interface BotIdentity {
  /** The bot's user id (`U…`) and bot id (`B…`), from auth.test / Bolt's context. */
  userId?: string;
  botId?: string;
}

export interface BotThreads {
  isBotThread(channel: string, threadTs: string, me: BotIdentity): Promise<boolean>;
}

export function createBotThreads(deps: { gateway: AskGateway; client: WebClient; logger: Logger; now?: () => number }): BotThreads {
  const now = deps.now ?? Date.now;
  const notOurs = new Map<string, number>();
  return {
    async isBotThread(channel, threadTs, me) {
      if (await deps.gateway.isBotThread('slack', channel, threadTs)) return true;
      const key = `${channel}:${threadTs}`;
      const until = notOurs.get(key);
      if (until !== undefined && until > now()) return false;
      let messages: SlackThreadMessage[] = [];
      try {
        const res = await deps.client.conversations.replies({ channel, ts: threadTs, limit: HISTORY_LIMIT });
        messages = (res.messages ?? []) as SlackThreadMessage[];
      } catch (err) {
        deps.logger.debug({ code: slackErrorCode(err) }, 'slack: could not read a thread to tell whose it is');
      }
      const ours = messages.some((m) => (me.botId !== undefined && m.bot_id === me.botId) || (me.userId !== undefined && m.user === me.userId));
      if (ours) {
        notOurs.delete(key);
        await deps.gateway.markBotThread('slack', channel, threadTs);
        return true;
      }
      if (notOurs.size >= MAX_NEGATIVE) notOurs.delete(notOurs.keys().next().value!);
      notOurs.set(key, now() + NEGATIVE_TTL_MS);
      return false;
    },
  };
}
