/**
 * Slack's AI-app surface (Bolt's `Assistant` class: the side panel / "Chat" tab of the app):
 *
 *   assistant_thread_started ──► greet (say) ──► setSuggestedPrompts (≤ 4)
 *   assistant_thread_context_changed ──► remember the channel the user is viewing
 *   message in the thread ──► admit ──► setStatus "Searching the docs…"
 *                          ──► setTitle (first question) ──► enqueue (same queue, same worker)
 *
 * The worker answers in the thread (native streaming where allowed), which clears the
 * status; it clears it explicitly too (`meta.assistant`). The job's `meta.viewingChannel`
 * says which channel the user was viewing. When the status cannot be set (a plain DM
 * thread rather than an assistant thread), a placeholder message shows progress instead.
 */
import { Assistant } from '@slack/bolt';
import { slackErrorCode } from './client.js';
import { createThreadContextStore } from './context-store.js';
import { admit, allowed, contentOf, messageEventId, placeAndEnqueue, USER_SUBTYPES, type HandlerDeps } from './handlers.js';
import type { SuggestedPrompt } from './prompts.js';
import { ASSISTANT_GREETING, ASSISTANT_STATUS, ASSISTANT_TITLE_CHARS, type SlackMessageEvent } from './types.js';

export interface AssistantDeps extends HandlerDeps {
  prompts: () => Promise<SuggestedPrompt[]>;
  /** Log what happened to each input (the adapter's `guard`). */
  guard: (what: string, run: () => Promise<string>) => Promise<void>;
}

const titleOf = (question: string) => {
  const line = question.replace(/\s+/g, ' ').trim();
  return line.length <= ASSISTANT_TITLE_CHARS ? line : `${line.slice(0, ASSISTANT_TITLE_CHARS - 1).trimEnd()}…`;
};

export function createAssistant(deps: AssistantDeps): Assistant {
  const { logger } = deps;
  const contexts = createThreadContextStore(logger);
  const quietly = async (what: string, call: () => Promise<unknown>): Promise<boolean> => {
    try {
      await call();
      return true;
    } catch (err) {
      logger.debug({ what, code: slackErrorCode(err) }, 'slack: assistant call refused');
      return false;
    }
  };

  return new Assistant({
    threadContextStore: contexts,

    threadStarted: async ({ say, setSuggestedPrompts }) => {
      await deps.guard('assistant_thread_started', async () => {
        await say(ASSISTANT_GREETING);
        const prompts = await deps.prompts();
        await setSuggestedPrompts({ prompts, title: 'Try asking:' });
        return 'greeted';
      });
    },

    threadContextChanged: async ({ saveThreadContext }) => {
      await deps.guard('assistant_thread_context_changed', async () => {
        await saveThreadContext();
        return 'context-saved';
      });
    },

    userMessage: async ({ message, body, context, setStatus, setTitle, getThreadContext }) => {
      await deps.guard('assistant_message', async () => {
        const event = message as unknown as SlackMessageEvent;
        if (event.bot_id || !event.user || event.user === context.botUserId || !USER_SUBTYPES.has(event.subtype) || !event.thread_ts) return 'ignored';
        if (!allowed(deps.config, event.channel)) return 'not-allowed';
        const { question, images } = await contentOf(deps, event);
        if (!question) return 'empty';
        const eventId = messageEventId(event.channel, event.ts);
        const refusal = await admit(deps, { eventId, user: event.user, channel: event.channel }, (text) =>
          deps.client.chat.postMessage({ channel: event.channel, thread_ts: event.thread_ts, text }),
        );
        if (refusal) return refusal;
        const assistantThread = await quietly('setStatus', () => setStatus(ASSISTANT_STATUS));
        const first = !(await deps.gateway.isBotThread('slack', event.channel, event.thread_ts));
        if (assistantThread && first) await quietly('setTitle', () => setTitle(titleOf(question)));
        const viewing = (await getThreadContext().catch(() => ({}) as Record<string, never>)).channel_id;
        const meta: Record<string, string> = { messageTs: event.ts, inThread: '1' };
        if (assistantThread) meta.assistant = '1';
        if (viewing) meta.viewingChannel = viewing;
        const outcome = await placeAndEnqueue(deps, {
          eventId,
          teamId: (body as { team_id?: string }).team_id,
          channel: event.channel,
          user: event.user,
          threadTs: event.thread_ts,
          question,
          images,
          meta,
          placeholder: !assistantThread,
        });
        if (outcome !== 'enqueued' && assistantThread) await quietly('setStatus', () => setStatus(''));
        return outcome;
      });
    },
  });
}
