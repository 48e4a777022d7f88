/**
 * The worker's Slack `Reply`: REST only (Web API through `WebClient`), idempotent through
 * `ReplyState` so that a retried job continues what it already posted instead of posting
 * again. Two ways to show the answer as it is written, chosen once per job (`slack:mode`):
 *
 *   native (SLACK_NATIVE_STREAMING auto/true)   edit (false, or Slack refused streaming)
 *   ─────────────────────────────────────────   ─────────────────────────────────────────
 *   first words → chat.startStream              the adapter's placeholder (or a new one)
 *     (the placeholder is deleted)              update → throttled chat.update of it
 *   update → chat.appendStream (throttled)      finish → placeholder = piece 1, further
 *   finish → chat.stopStream + Sources + 👍/👎     pieces posted, Sources + 👍/👎 on the last
 *
 * A refusal to start a stream (`not_allowed`, `missing_scope`, …) falls back to edit mode
 * for this answer, and for the workspace when it says the workspace cannot stream
 * (remembered by stream-refusals.ts; with `auto` only). Either way the figures are then
 * uploaded into the thread (`files.uploadV2`), and an assistant thread's status cleared.
 * A refused rich message (blocks) is sent again with plainer blocks, then as text.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { SlackConfig } from '../../config/env.js';
import type { Reply, ReplyContext } from '../../queue/reply.js';
import { createEditThrottle, type EditThrottle } from '../../queue/throttle.js';
import type { Answer, AnswerFigure } from '../../rag/types.js';
import { answerMessages, BLOCK_REFUSALS, messageVariants, partialText, plainTextOf, sourcesBlock, withFeedback, type SlackMessagePayload } from './blocks.js';
import { slackErrorCode, type WebClient } from './client.js';
import { feedbackActionsBlock, feedbackButtonsBlock } from './feedback.js';
import { safeSlackText } from './mrkdwn.js';
import { NativeStream, StreamRefusedError, type StopVariant } from './native-stream.js';
import type { StreamRefusals } from './stream-refusals.js';
import { WORKSPACE_REFUSALS } from './stream-refusals.js';
import { finalStreamText } from './streaming-text.js';
import { PLACEHOLDER_TEXT, SLACK_MAX_ALT_TEXT_LENGTH } from './types.js';

const MAX_TITLE = 250;
const STATE = { mode: 'slack:mode', placeholder: 'slack:placeholderTs', stopped: 'slack:stream:stopped', dropped: 'slack:placeholder:deleted' } as const;

const clip = (text: string, max: number) => (text.length <= max ? text : `${text.slice(0, max - 1)}…`);

export interface SlackReplyOptions {
  /** Lower bound on the edit interval (Slack: about one edit per second per channel). */
  minEditIntervalMs: number;
  nativeStreaming: SlackConfig['nativeStreaming'];
  refusals: StreamRefusals;
}

type Mode = 'native' | 'edit';

export class SlackReply implements Reply {
  private readonly channel: string;
  private readonly throttle: EditThrottle;
  private readonly stream: NativeStream;
  private placeholderTs: string | undefined;
  private modeChosen: Mode | undefined;

  constructor(
    private readonly client: WebClient,
    private readonly context: ReplyContext,
    private readonly options: SlackReplyOptions,
  ) {
    this.channel = context.job.channelId;
    this.placeholderTs = context.job.placeholderId;
    this.stream = new NativeStream(client, context);
    this.throttle = createEditThrottle({
      intervalMs: Math.max(context.editIntervalMs, options.minEditIntervalMs),
      edit: (text) => this.showPartial(text),
      onError: (err) => context.logger.warn({ err: (err as Error).message, code: slackErrorCode(err) }, 'slack: streaming edit failed'),
    });
  }

  /** The thread the answer goes to: the job's thread, else the placeholder's own. */
  private get threadTs(): string | undefined {
    return this.context.job.threadId ?? this.placeholderTs;
  }

  private async mode(): Promise<Mode> {
    if (this.modeChosen) return this.modeChosen;
    const saved = await this.context.state.get<Mode>(STATE.mode);
    if (saved) return (this.modeChosen = saved);
    const { nativeStreaming, refusals } = this.options;
    const native = nativeStreaming === 'on' || (nativeStreaming === 'auto' && !(await refusals.isRefused(this.context.job.workspaceId)));
    return await this.setMode(native ? 'native' : 'edit');
  }

  private async setMode(mode: Mode): Promise<Mode> {
    this.modeChosen = mode;
    await this.context.state.set(STATE.mode, mode);
    return mode;
  }

  private async placeholder(): Promise<string> {
    if (this.placeholderTs) return this.placeholderTs;
    const saved = await this.context.state.get<string>(STATE.placeholder);
    if (saved) return (this.placeholderTs = saved);
    const res = await this.client.chat.postMessage({ channel: this.channel, thread_ts: this.threadTs, text: PLACEHOLDER_TEXT });
    if (!res.ts) throw new Error('chat.postMessage returned no ts');
    await this.context.state.set(STATE.placeholder, res.ts);
    return (this.placeholderTs = res.ts);
  }

  async start(): Promise<void> {
    // Native mode waits for the first words: the adapter's placeholder (or the assistant status) shows progress until then.
    if ((await this.mode()) === 'edit') await this.placeholder();
  }

  async update(partial: string): Promise<void> {
    if (partial.trim()) this.throttle.push(partial);
  }

  private async showPartial(markdown: string): Promise<void> {
    if ((await this.mode()) === 'native') {
      try {
        if (await this.stream.advance(markdown)) await this.dropPlaceholder();
        return;
      } catch (err) {
        if (!(err instanceof StreamRefusedError)) throw err;
        await this.refused(err.code);
      }
    }
    const ts = await this.placeholder();
    await this.client.chat.update({ channel: this.channel, ts, text: partialText(markdown) });
  }

  /** Slack would not stream here: placeholder edits for this answer, and for the workspace when it cannot stream at all. */
  private async refused(code: string): Promise<void> {
    const { logger, job } = this.context;
    await this.setMode('edit');
    if (this.options.nativeStreaming === 'auto' && WORKSPACE_REFUSALS.has(code)) {
      await this.options.refusals.remember(job.workspaceId, code);
      logger.info({ code, team: job.workspaceId }, 'slack: native streaming refused; this workspace gets placeholder edits');
    } else {
      logger.warn({ code }, 'slack: native streaming refused; answering with placeholder edits');
    }
  }

  /** The adapter's placeholder goes once the stream shows the answer: no "Searching the docs…" is left behind. */
  private async dropPlaceholder(): Promise<void> {
    const ts = this.context.job.placeholderId;
    if (!ts || (await this.context.state.get(STATE.dropped))) return;
    try {
      await this.client.chat.delete({ channel: this.channel, ts });
    } catch (err) {
      this.context.logger.debug({ code: slackErrorCode(err) }, 'slack: placeholder not deleted');
    }
    await this.context.state.set(STATE.dropped, true);
  }

  async finish(answer: Answer): Promise<void> {
    // A late streaming edit must never overwrite the final answer.
    await this.throttle.cancel();
    const messages = withFeedback(answerMessages(answer), this.context.answerId);
    const streamed = (await this.mode()) === 'native' ? await this.stream.load() : undefined;
    if (streamed && !(await this.context.state.get(STATE.stopped))) {
      const outcome = await this.stream.stop(finalStreamText(answer.text), this.stopVariants(answer));
      if (outcome === 'replace') await this.postPieces(messages, streamed.ts);
      await this.context.state.set(STATE.stopped, true);
    } else if (!streamed) {
      await this.postPieces(messages, this.placeholderTs ?? (await this.context.state.get<string>(STATE.placeholder)));
    }
    for (const figure of answer.figures) await this.uploadFigure(figure);
    await this.clearStatus();
  }

  /** Blocks under a streamed answer: Sources + 👍/👎, then ordinary buttons, then the Sources as text. */
  private stopVariants(answer: Answer): StopVariant[] {
    const sources = sourcesBlock(answer.sources);
    const head = sources ? [sources] : [];
    const plainSources = sources ? `\n\n${plainTextOf({ text: '', blocks: head }).trim()}` : '';
    return [
      { blocks: [...head, feedbackButtonsBlock(this.context.answerId)] },
      { blocks: [...head, feedbackActionsBlock(this.context.answerId)] },
      { suffix: plainSources },
    ];
  }

  async fail(reason: string): Promise<void> {
    await this.throttle.cancel();
    const text = `:warning: ${safeSlackText(reason)}`;
    if ((await this.mode()) === 'native' && !(await this.context.state.get(STATE.stopped))) {
      try {
        if (await this.stream.abort(`⚠️ ${safeSlackText(reason)}`)) {
          await this.context.state.set(STATE.stopped, true);
          await this.clearStatus();
          return;
        }
      } catch (err) {
        const ts = (await this.stream.load())?.ts;
        this.context.logger.warn({ code: slackErrorCode(err) }, 'slack: could not end the stream with the failure');
        if (ts) {
          await this.client.chat.update({ channel: this.channel, ts, text, blocks: [] });
          await this.clearStatus();
          return;
        }
      }
    }
    const ts = this.placeholderTs ?? (await this.context.state.get<string>(STATE.placeholder));
    if (ts) await this.client.chat.update({ channel: this.channel, ts, text, blocks: [] });
    else await this.client.chat.postMessage({ channel: this.channel, thread_ts: this.threadTs, text });
    await this.clearStatus();
  }

  /** The answer's messages: piece 0 replaces `firstTs` (the placeholder or the streamed message); each is posted once and edited on a retry. */
  private async postPieces(messages: SlackMessagePayload[], firstTs: string | undefined): Promise<void> {
    for (const [i, message] of messages.entries()) {
      const key = `slack:piece:${i}`;
      const existing = (i === 0 ? firstTs : undefined) ?? (await this.context.state.get<string>(key));
      const ts = await this.send(message, existing);
      if (!existing && ts) await this.context.state.set(key, ts);
    }
  }

  /** Post (or edit) one message, falling back to plainer variants when Slack refuses its blocks. */
  private async send(message: SlackMessagePayload, ts: string | undefined): Promise<string | undefined> {
    const variants = messageVariants(message);
    for (const [i, variant] of variants.entries()) {
      try {
        if (ts) {
          await this.client.chat.update({ channel: this.channel, ts, text: variant.text, blocks: variant.blocks ?? [] });
          return ts;
        }
        const res = await this.client.chat.postMessage({
          channel: this.channel,
          thread_ts: this.threadTs,
          text: variant.text,
          ...(variant.blocks ? { blocks: variant.blocks } : {}),
          unfurl_links: false,
          unfurl_media: false,
        });
        return res.ts;
      } catch (err) {
        const code = slackErrorCode(err);
        if (!(code && BLOCK_REFUSALS.has(code)) || i === variants.length - 1) throw err;
        this.context.logger.warn({ code }, 'slack: message refused; sending it plainer');
      }
    }
    return undefined;
  }

  /** Assistant threads: the answer is there, so "Searching the docs…" goes (Slack clears it on reply too). */
  private async clearStatus(): Promise<void> {
    const { job } = this.context;
    if (job.meta.assistant !== '1' || !job.threadId) return;
    try {
      await this.client.assistant.threads.setStatus({ channel_id: this.channel, thread_ts: job.threadId, status: '' });
    } catch (err) {
      this.context.logger.debug({ code: slackErrorCode(err) }, 'slack: assistant status not cleared');
    }
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
