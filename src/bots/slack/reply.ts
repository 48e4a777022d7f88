/**
 * The worker's Slack `Reply`: REST only (Web API through `WebClient`), idempotent through
 * `ReplyState` so that a retried job edits what it already posted instead of posting again.
 *
 * start → the adapter's placeholder (or a new one) in the thread; update → throttled
 * `chat.update` of the placeholder; finish → the placeholder becomes the first piece of the
 * answer, further pieces are posted in the thread, the last one carries the "Sources"
 * context block, then each figure is uploaded to the thread (`files.uploadV2`: the
 * getUploadURLExternal → upload → completeUploadExternal flow) with its caption.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Reply, ReplyContext } from '../../queue/reply.js';
import { createEditThrottle, type EditThrottle } from '../../queue/throttle.js';
import type { Answer, AnswerFigure } from '../../rag/types.js';
import { answerMessages, partialText, type SlackMessagePayload } from './blocks.js';
import type { WebClient } from './client.js';
import { safeSlackText } from './mrkdwn.js';
import { PLACEHOLDER_TEXT, SLACK_MAX_ALT_TEXT_LENGTH } from './types.js';

const MAX_TITLE = 250;

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export class SlackReply implements Reply {
  private readonly channel: string;
  private readonly throttle: EditThrottle;
  private placeholderTs: string | undefined;

  constructor(
    private readonly client: WebClient,
    private readonly context: ReplyContext,
    /** Lower bound on the edit interval (Slack: about one edit per second per channel). */
    minEditIntervalMs: number,
  ) {
    this.channel = context.job.channelId;
    this.placeholderTs = context.job.placeholderId;
    this.throttle = createEditThrottle({
      intervalMs: Math.max(context.editIntervalMs, minEditIntervalMs),
      edit: async (text) => {
        const ts = await this.placeholder();
        await this.client.chat.update({ channel: this.channel, ts, text });
      },
      onError: (err) => context.logger.warn({ err: (err as Error).message, jobEvent: context.job.eventId }, 'slack: streaming edit failed'),
    });
  }

  /** The thread the answer goes to: the job's thread, else the placeholder's own. */
  private get threadTs(): string | undefined {
    return this.context.job.threadId ?? this.placeholderTs;
  }

  private async placeholder(): Promise<string> {
    if (this.placeholderTs) return this.placeholderTs;
    const saved = await this.context.state.get<string>('slack:placeholderTs');
    if (saved) return (this.placeholderTs = saved);
    const res = await this.client.chat.postMessage({ channel: this.channel, thread_ts: this.threadTs, text: PLACEHOLDER_TEXT });
    if (!res.ts) throw new Error('chat.postMessage returned no ts');
    await this.context.state.set('slack:placeholderTs', res.ts);
    return (this.placeholderTs = res.ts);
  }

  async start(): Promise<void> {
    await this.placeholder();
  }

  async update(partial: string): Promise<void> {
    if (partial.trim()) this.throttle.push(partialText(partial));
  }

  async finish(answer: Answer): Promise<void> {
    // A late streaming edit must never overwrite the final answer.
    await this.throttle.cancel();
    const messages = answerMessages(answer);
    for (const [i, message] of messages.entries()) await this.postPiece(i, message);
    for (const figure of answer.figures) await this.uploadFigure(figure);
  }

  async fail(reason: string): Promise<void> {
    await this.throttle.cancel();
    const text = `:warning: ${safeSlackText(reason)}`;
    const ts = this.placeholderTs ?? (await this.context.state.get<string>('slack:placeholderTs'));
    if (ts) await this.client.chat.update({ channel: this.channel, ts, text, blocks: [] });
    else await this.client.chat.postMessage({ channel: this.channel, thread_ts: this.threadTs, text });
  }

  /** Piece 0 replaces the placeholder; the others are posted once and edited on a retry. */
  private async postPiece(i: number, message: SlackMessagePayload): Promise<void> {
    const key = `slack:piece:${i}`;
    const existing = i === 0 ? await this.placeholder() : await this.context.state.get<string>(key);
    if (existing) {
      await this.client.chat.update({ channel: this.channel, ts: existing, text: message.text, blocks: message.blocks });
      return;
    }
    const res = await this.client.chat.postMessage({
      channel: this.channel,
      thread_ts: this.threadTs,
      text: message.text,
      blocks: message.blocks,
      unfurl_links: false,
      unfurl_media: false,
    });
    if (res.ts) await this.context.state.set(key, res.ts);
  }

  private async uploadFigure(figure: AnswerFigure): Promise<void> {
    const key = `slack:figure:${figure.n}`;
    if (await this.context.state.get(key)) return;
    let data: Buffer;
    try {
      data = await readFile(figure.imagePath);
    } catch (err) {
      // A figure missing from disk should not cost the user the whole answer.
      this.context.logger.warn({ figure: figure.id, err: (err as Error).message }, 'slack: figure file unreadable, not uploaded');
      return;
    }
    const caption = figure.caption.trim() || figure.title || `Figure ${figure.n}`;
    const thread = this.threadTs;
    const where = thread ? { channel_id: this.channel, thread_ts: thread } : { channel_id: this.channel };
    await this.client.files.uploadV2({
      ...where,
      file: data,
      filename: path.basename(figure.imagePath),
      title: clip(`[F${figure.n}] ${caption}`, MAX_TITLE),
      alt_text: clip(caption, SLACK_MAX_ALT_TEXT_LENGTH),
    });
    await this.context.state.set(key, true);
  }
}
