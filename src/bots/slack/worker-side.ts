/**
 * What the worker needs from Slack, REST only: replies, downloads of users' attached
 * images (`url_private` needs the bot token as Bearer auth), and a thread's earlier
 * messages when the bot has no memory of it (a mention inside an existing thread).
 */
import type { SlackConfig } from '../../config/env.js';
import { UserFacingError } from '../../errors.js';
import type { Logger } from '../../log.js';
import type { AskJob } from '../../queue/job.js';
import { fetchImageBytes } from '../../queue/fetch-image.js';
import type { PlatformWorkerSide } from '../../queue/reply.js';
import type { ChatTurn } from '../../rag/types.js';
import { createWebClient, type WebClientOptionsInput } from './client.js';
import { SlackReply } from './reply.js';
import { PLACEHOLDER_TEXT, SLACK_CHANNEL_EDIT_INTERVAL_MS, type SlackThreadMessage } from './types.js';

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

/** Slack mrkdwn of a thread message → plain text for the model (mentions and link markup removed). */
export function plainThreadText(text: string): string {
  return text
    .replace(/<@[A-Za-z0-9]+(?:\|[^>]*)?>/g, '')
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, '$2 ($1)')
    .replace(/<(https?:[^>]+)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .trim();
}

/** Thread messages (oldest first) → question/answer turns; bot messages are answers. */
export function threadToTurns(messages: SlackThreadMessage[], maxTurns: number): ChatTurn[] {
  const turns: ChatTurn[] = [];
  for (const m of messages) {
    const text = plainThreadText(m.text ?? '');
    if (!text || text === PLACEHOLDER_TEXT) continue;
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

export function createSlackWorkerSide(deps: { config: SlackConfig; logger: Logger; memoryTurns?: number }, options: SlackWorkerSideOptions = {}): PlatformWorkerSide {
  const { config, logger } = deps;
  const client = createWebClient(config, logger, options);
  if (config.nativeStreaming === 'on') {
    // Slack's chat.startStream/appendStream/stopStream is not wired in yet: say so rather than silently ignore the flag.
    logger.warn('SLACK_NATIVE_STREAMING=true is not supported yet; answers stream by editing the placeholder');
  }
  const minEditIntervalMs = options.minEditIntervalMs ?? SLACK_CHANNEL_EDIT_INTERVAL_MS;
  const maxTurns = options.maxHistoryTurns ?? deps.memoryTurns ?? 10;

  return {
    createReply: (context) => new SlackReply(client, context, minEditIntervalMs),

    async fetchImage(url, maxBytes) {
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
