/**
 * Earlier turns of a Discord thread the bot has no memory of (memory expired, or the bot
 * was mentioned inside someone's existing thread): read the thread's recent messages and
 * pair each user message with the bot answer that follows it. A thread started on a
 * message (the bot starts one on each question) begins with that message, which lives in
 * the parent channel under the thread's id: it is read too. A forwarded message counts
 * with the words of its snapshot; a bot answer without a question before it (the reply
 * to an /ask, whose question is not in the channel) is a turn with an empty question.
 */
import { DiscordAPIError, Routes, type APIMessage, type REST } from 'discord.js';
import type { AskJob } from '../../queue/job.js';
import type { ChatTurn } from '../../rag/types.js';
import { PLACEHOLDER_TEXT } from './types.js';

/** Messages read back; the worker keeps only the last few turns anyway. */
const HISTORY_MESSAGES = 50;

const wordsOf = (m: APIMessage) => (m.content || m.message_snapshots?.[0]?.message.content || '').trim();

export function turnsFromMessages(messagesOldestFirst: readonly APIMessage[]): ChatTurn[] {
  const turns: ChatTurn[] = [];
  let question: string | undefined;
  for (const m of messagesOldestFirst) {
    const words = wordsOf(m);
    const content = words.replace(/<@[!&]?\d+>/g, ' ').replace(/\s+/g, ' ').trim();
    if (!m.author.bot) {
      if (content) question = content; // the last message before an answer is its question
    } else if (content && content !== PLACEHOLDER_TEXT) {
      turns.push({ question: question ?? '', answer: words });
      question = undefined;
    }
  }
  return turns;
}

export async function readThreadHistory(rest: REST, job: AskJob): Promise<ChatTurn[]> {
  if (!job.threadId || job.threadId === job.channelId) return [];
  const query = new URLSearchParams({ limit: String(HISTORY_MESSAGES) });
  // The triggering message is the newest one to ignore (an interaction id is newer than all of them).
  if (/^\d+$/.test(job.eventId)) query.set('before', job.eventId);
  const newestFirst = (await rest.get(Routes.channelMessages(job.threadId), { query })) as APIMessage[];
  const messages = [...newestFirst].reverse();
  if (newestFirst.length < HISTORY_MESSAGES && job.eventId !== job.threadId) {
    const starter = await starterMessage(rest, job.channelId, job.threadId);
    if (starter) messages.unshift(starter);
  }
  return turnsFromMessages(messages);
}

/** The message a thread was started on (same id as the thread), if there is one. */
async function starterMessage(rest: REST, channelId: string, threadId: string): Promise<APIMessage | undefined> {
  try {
    return (await rest.get(Routes.channelMessage(channelId, threadId))) as APIMessage;
  } catch (err) {
    if (err instanceof DiscordAPIError && err.status < 500) return undefined; // a thread not started on a message, or a deleted one
    throw err;
  }
}
