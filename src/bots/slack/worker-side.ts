/**
 * What the worker needs from Slack, REST only: replies, downloads of users' attached
 * images (`url_private` needs the bot token as Bearer auth; a URL that stopped working is
 * refreshed once with `files.info`), and a thread's earlier messages when the bot has no
 * memory of it (a mention inside an existing thread, or thread memory that expired).
 */
import type { Redis } from 'ioredis';
import type { SlackConfig } from '../../config/env.js';
import { UserFacingError } from '../../errors.js';
import type { Logger } from '../../log.js';
import { PermanentJobError } from '../../queue/errors.js';
import type { AskJob } from '../../queue/job.js';
import { fetchImageBytes } from '../../queue/fetch-image.js';
import type { PlatformWorkerSide } from '../../queue/reply.js';
import type { ChatTurn } from '../../rag/types.js';
import { createWebClient, slackErrorCode, type WebClient, type WebClientOptionsInput } from './client.js';
import { fileIdOfUrl, messageText } from './content.js';
import { SlackReply } from './reply.js';
import { createStreamRefusals } from './stream-refusals.js';
import { ASSISTANT_GREETING, PLACEHOLDER_TEXT, SLACK_CHANNEL_EDIT_INTERVAL_MS, type SlackFile, type SlackThreadMessage } from './types.js';

export { plainThreadText } from './content.js';

export interface SlackWorkerSideOptions extends WebClientOptionsInput {
  /** Lower bound on streaming edits per message (default: Slack's ~1/s per channel). */
  minEditIntervalMs?: number;
  /** Earlier thread turns passed to the model at most. */
  maxHistoryTurns?: number;
}

/** The bot token is only ever sent to Slack's own file hosts or the configured API origin. */
export function isSlackFileUrl(url: string, apiUrl: string): boolean {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return false;
  }
  if (u.origin === new URL(apiUrl).origin) return true;
  const host = u.hostname.toLowerCase();
  return u.protocol === 'https:' && (host === 'slack.com' || host.endsWith('.slack.com') || host.endsWith('.slack-gov.com'));
}

function looksLikeHtml(bytes: Uint8Array): boolean {
  const head = Buffer.from(bytes.subarray(0, 64)).toString('latin1').trimStart().toLowerCase();
  return head.startsWith('<!doctype html') || head.startsWith('<html');
}

/** Thread messages that carry conversation (joins, edits and the like are skipped). */
const HISTORY_SUBTYPES = new Set<string | undefined>([undefined, 'bot_message', 'thread_broadcast', 'file_share']);

/** Slack timestamps ("1700000000.000100") compared exactly (too many digits for a double). */
export function tsBefore(a: string, b: string): boolean {
  const big = (ts: string) => {
    const [s = '0', us = ''] = ts.split('.');
    return BigInt(s) * 1_000_000n + BigInt(us.padEnd(6, '0').slice(0, 6) || '0');
  };
  return big(a) < big(b);
}

/** Thread messages (oldest first) → question/answer turns; bot messages are answers. */
export function threadToTurns(messages: SlackThreadMessage[], maxTurns: number): ChatTurn[] {
  const turns: ChatTurn[] = [];
  for (const m of messages) {
    const { own, shared } = messageText(m);
    const text = [own, ...shared].filter(Boolean).join('\n\n');
    if (!text || text === PLACEHOLDER_TEXT || text === ASSISTANT_GREETING) continue; // progress and greetings are not answers
    const last = turns[turns.length - 1];
    if (m.bot_id) {
      if (last && !last.answer) last.answer = text;
      else turns.push({ question: '', answer: text });
    } else if (last && !last.answer) {
      last.question = `${last.question}\n${text}`.trim();
    } else {
      turns.push({ question: text, answer: '' });
    }
  }
  return turns.slice(-maxTurns);
}

export function createSlackWorkerSide(
  deps: { config: SlackConfig; logger: Logger; memoryTurns?: number; connection?: Redis; prefix?: string },
  options: SlackWorkerSideOptions = {},
): PlatformWorkerSide {
  const { config, logger } = deps;
  const client = createWebClient(config, logger, options);
  const refusals = createStreamRefusals({ connection: deps.connection, prefix: deps.prefix ?? 'mrag' });
  const minEditIntervalMs = options.minEditIntervalMs ?? SLACK_CHANNEL_EDIT_INTERVAL_MS;
  const maxTurns = options.maxHistoryTurns ?? deps.memoryTurns ?? 10;
  const download = (url: string, maxBytes: number) => downloadSlackFile(url, maxBytes, config, logger);

  return {
    createReply: (context) => new SlackReply(client, context, { minEditIntervalMs, nativeStreaming: config.nativeStreaming, refusals }),

    async fetchImage(url, maxBytes) {
      try {
        return await download(url, maxBytes);
      } catch (err) {
        // A file URL that stopped working (file re-shared, moved, URL rotated): ask Slack for the current one, once.
        const fresh = err instanceof PermanentJobError && /HTTP (403|404|410)/.test(err.message) ? await refreshedUrl(client, url, logger) : undefined;
        if (!fresh || fresh === url) throw err;
        logger.info('slack: attachment URL refreshed with files.info');
        return await download(fresh, maxBytes);
      }
    },

    async fetchHistory(job: AskJob): Promise<ChatTurn[]> {
      if (job.meta.inThread !== '1' || !job.threadId) return [];
      const before = job.meta.messageTs;
      const res = await client.conversations.replies({ channel: job.channelId, ts: job.threadId, limit: 100 });
      const messages = (res.messages ?? []) as SlackThreadMessage[];
      const earlier = messages.filter(
        (m) => HISTORY_SUBTYPES.has(m.subtype) && m.ts !== undefined && (before === undefined || tsBefore(m.ts, before)),
      );
      return threadToTurns(earlier, maxTurns);
    },
  };
}

async function downloadSlackFile(url: string, maxBytes: number, config: SlackConfig, logger: Logger): Promise<Uint8Array> {
  if (!isSlackFileUrl(url, config.apiUrl)) {
    throw new UserFacingError('image_unavailable', 'I can only read images uploaded to Slack.');
  }
  const bytes = await fetchImageBytes(url, maxBytes, { headers: { Authorization: `Bearer ${config.botToken}` } });
  // Without the files:read scope Slack answers with its HTML sign-in page instead of the file.
  if (looksLikeHtml(bytes)) {
    logger.warn('slack: an attached image came back as HTML (files:read scope missing?)');
    throw new UserFacingError('image_unavailable', "I couldn't download the attached image (is the files:read scope granted?).");
  }
  return bytes;
}

/** The file's current download URL from files.info, when the URL names a Slack file. */
async function refreshedUrl(client: WebClient, url: string, logger: Logger): Promise<string | undefined> {
  const id = fileIdOfUrl(url);
  if (!id) return undefined;
  try {
    const file = (await client.files.info({ file: id })).file as SlackFile | undefined;
    return file?.url_private_download ?? file?.url_private;
  } catch (err) {
    logger.warn({ file: id, code: slackErrorCode(err) }, 'slack: files.info could not refresh an attachment URL');
    return undefined;
  }
}
