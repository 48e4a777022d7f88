/**
 * Earlier turns of a Discord thread the bot has no memory of (memory expired, or the bot
 * was mentioned inside someone's existing thread): read the thread's recent messages and
 * pair each user message with the bot answer that follows it.
 */
import { Routes, type APIMessage, type REST } from 'discord.js';
import type { AskJob } from '../../queue/job.js';
import type { ChatTurn } from '../../rag/types.js';
import { PLACEHOLDER_TEXT } from './types.js';

/** Messages read back; the worker keeps only the last few turns anyway. */
const HISTORY_MESSAGES = 50;

export function turnsFromMessages(messagesOldestFirst: readonly APIMessage[]): ChatTurn[] {
  const turns: ChatTurn[] = [];
  let question: string | undefined;
  for (const m of messagesOldestFirst) {
    const content = m.content.replace(/<@!?\d+>/g, ' ').replace(/\s+/g, ' ').trim();
    if (!m.author.bot) {
      if (content) question = content;
    } else if (question && content && content !== PLACEHOLDER_TEXT) {
      turns.push({ question, answer: m.content.trim() });
      question = undefined;
    }
  }
  return turns;
}

export async function readThreadHistory(rest: REST, job: AskJob): Promise<ChatTurn[]> {
  if (!job.threadId) return [];
  const query = new URLSearchParams({ limit: String(HISTORY_MESSAGES) });
  // The triggering message is the newest one to ignore (an interaction id is newer than all of them).
  if (/^\d+$/.test(job.eventId)) query.set('before', job.eventId);
  const newestFirst = (await rest.get(Routes.channelMessages(job.threadId), { query })) as APIMessage[];
  return turnsFromMessages([...newestFirst].reverse());
}
