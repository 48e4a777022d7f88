/**
 * Where an assistant thread's context (the channel the user was viewing when they asked)
 * is kept: in memory per thread, and — so that it survives a bot restart — in the
 * metadata of the bot's greeting, the first bot message of the thread, as Bolt's default
 * store does. (Bolt's `DefaultThreadContextStore` keeps a single context for the whole
 * app, so a second thread would read the first one's; this one is per thread.)
 */
import type { AssistantConfig } from '@slack/bolt';
import type { Logger } from '../../log.js';
import { slackErrorCode } from './client.js';

/** Threads whose context is kept in memory (oldest forgotten first; Slack still has it). */
const MAX_THREADS = 5000;
export const CONTEXT_EVENT_TYPE = 'assistant_thread_context';

type AssistantThreadContextStore = NonNullable<AssistantConfig['threadContextStore']>;
type StoreArgs = Parameters<AssistantThreadContextStore['get']>[0];
/** `{ channel_id?, team_id?, enterprise_id? }`: what the user was viewing. */
export type AssistantThreadContext = Awaited<ReturnType<AssistantThreadContextStore['get']>>;

interface ThreadPayload {
  channel?: string;
  thread_ts?: string;
  assistant_thread?: { channel_id?: string; thread_ts?: string; context?: AssistantThreadContext };
}

function threadOf(payload: unknown): { channel?: string; threadTs?: string; context?: AssistantThreadContext } {
  const p = payload as ThreadPayload;
  return {
    channel: p.assistant_thread?.channel_id ?? p.channel,
    threadTs: p.assistant_thread?.thread_ts ?? p.thread_ts,
    context: p.assistant_thread?.context,
  };
}

interface ThreadMessage {
  ts?: string;
  user?: string;
  text?: string;
  subtype?: string;
  blocks?: unknown[];
  metadata?: { event_type?: string; event_payload?: AssistantThreadContext };
}

export function createThreadContextStore(logger: Logger): AssistantThreadContextStore & { peek(channel: string, threadTs: string): AssistantThreadContext | undefined } {
  const contexts = new Map<string, AssistantThreadContext>();
  const remember = (key: string, context: AssistantThreadContext) => {
    contexts.delete(key);
    if (contexts.size >= MAX_THREADS) contexts.delete(contexts.keys().next().value!);
    contexts.set(key, context);
  };
  const firstBotMessage = async (args: StoreArgs, channel: string, threadTs: string): Promise<ThreadMessage | undefined> => {
    const res = await args.client.conversations.replies({ channel, ts: threadTs, oldest: threadTs, include_all_metadata: true, limit: 4 });
    return ((res.messages ?? []) as ThreadMessage[]).find((m) => !m.subtype && m.user === args.context.botUserId);
  };
  return {
    peek: (channel, threadTs) => contexts.get(`${channel}:${threadTs}`),

    async get(args) {
      const { channel, threadTs } = threadOf(args.payload);
      if (!channel || !threadTs) return {};
      const known = contexts.get(`${channel}:${threadTs}`);
      if (known) return known;
      try {
        const stored = (await firstBotMessage(args, channel, threadTs))?.metadata;
        const context = stored?.event_type === CONTEXT_EVENT_TYPE && stored.event_payload ? stored.event_payload : {};
        remember(`${channel}:${threadTs}`, context);
        return context;
      } catch (err) {
        logger.debug({ code: slackErrorCode(err) }, 'slack: could not read an assistant thread context');
        return {};
      }
    },

    async save(args) {
      const { channel, threadTs, context } = threadOf(args.payload);
      if (!channel || !threadTs || !context) return;
      remember(`${channel}:${threadTs}`, context);
      try {
        const greeting = await firstBotMessage(args, channel, threadTs);
        if (!greeting?.ts) return;
        await args.client.chat.update({
          channel,
          ts: greeting.ts,
          text: greeting.text ?? '',
          blocks: (greeting.blocks ?? []) as never[],
          metadata: { event_type: CONTEXT_EVENT_TYPE, event_payload: Object.fromEntries(Object.entries(context).filter((e): e is [string, string] => typeof e[1] === 'string')) },
        });
      } catch (err) {
        logger.debug({ code: slackErrorCode(err) }, 'slack: could not persist an assistant thread context');
      }
    },
  };
}
