/**
 * How the Discord Reply recognises and survives refused writes:
 *
 * - 50083 "Thread is archived": the thread was archived (by its auto-archive timer or a
 *   moderator) while the answer was being written. Unarchive it (`PATCH /channels/{id}`
 *   `{archived: false}`, which Send Messages in Threads allows for an unlocked thread) and
 *   write again; when that is refused too (a locked thread), the answer goes to the parent
 *   channel instead — never lost, and never a placeholder as the last word.
 * - 50035 "Invalid Form Body" on a message with components: send it again as plain text.
 */
import { DiscordAPIError, Routes, type REST } from 'discord.js';

/** Discord's JSON error codes used here. */
export const DISCORD_ERRORS = {
  unknownMessage: 10008,
  threadArchived: 50083,
  invalidFormBody: 50035,
  missingPermissions: 50013,
  missingAccess: 50001,
} as const;

export function isArchivedThread(err: unknown): boolean {
  return err instanceof DiscordAPIError && err.code === DISCORD_ERRORS.threadArchived;
}

/** Discord refused the body of a message (its components, embeds…): a plainer message may pass. */
export function isRefusedRichMessage(err: unknown): boolean {
  return err instanceof DiscordAPIError && err.status === 400 && err.code === DISCORD_ERRORS.invalidFormBody;
}

/** Unarchive a thread; false when Discord refuses (locked, or permissions missing). */
export async function unarchiveThread(rest: REST, threadId: string): Promise<boolean> {
  try {
    await rest.patch(Routes.channel(threadId), { body: { archived: false } });
    return true;
  } catch (err) {
    if (err instanceof DiscordAPIError && err.status < 500) return false;
    throw err;
  }
}
