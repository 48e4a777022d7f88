/**
 * One natively streamed answer message (chat.startStream → chat.appendStream* →
 * chat.stopStream), persisted in the job's ReplyState so that a retried job continues the
 * stream it started instead of starting a second one:
 *
 *   state `slack:stream` = { ts, sent }   (the message and the exact markdown sent so far)
 *
 * `advance(partial)` starts the stream at the first committed text and appends what is
 * new; text that no longer extends what was sent (a retried attempt generating different
 * words) is held back, and `stop` then reports that the message must be replaced.
 */
import type { ReplyContext } from '../../queue/reply.js';
import { slackErrorCode, type WebClient } from './client.js';
import { BLOCK_REFUSALS, type SlackBlock } from './blocks.js';
import { committedStreamText } from './streaming-text.js';
import { SLACK_MAX_STREAM_CHARS } from './types.js';

const STREAM = 'slack:stream';

export interface StreamState {
  ts: string;
  sent: string;
}

/** Slack refused to start a stream: `code` says why (see stream-refusals.ts). */
/** One way to end the stream: with these blocks, or (plain) with `suffix` appended as text instead. */
export interface StopVariant {
  blocks?: SlackBlock[];
  suffix?: string;
}

export class StreamRefusedError extends Error {
  override readonly name = 'StreamRefusedError';
  constructor(readonly code: string) {
    super(`chat.startStream refused: ${code}`);
  }
}

/** Errors that mean the stream is over (stopped, expired, or its message gone): replace the message instead. */
const STREAM_GONE = new Set(['message_not_in_streaming_state', 'message_not_found', 'cant_update_message', 'streaming_state_conflict']);

/** A failed Web API call that Slack answered (`ok: false`), as opposed to the network or a rate limit. */
const isPlatformError = (err: unknown) => (err as { code?: string } | undefined)?.code === 'slack_webapi_platform_error';

export class NativeStream {
  private cached: StreamState | undefined;

  constructor(
    private readonly client: WebClient,
    private readonly context: ReplyContext,
  ) {}

  private get job() {
    return this.context.job;
  }

  async load(): Promise<StreamState | undefined> {
    return (this.cached ??= await this.context.state.get<StreamState>(STREAM));
  }

  private async save(stream: StreamState): Promise<void> {
    this.cached = stream;
    await this.context.state.set(STREAM, stream);
  }

  /**
   * Stream the committed part of `partial`. Returns true when a stream exists afterwards.
   * Throws StreamRefusedError when Slack refuses to start one; other errors propagate.
   */
  async advance(partial: string): Promise<boolean> {
    const text = committedStreamText(partial);
    const stream = await this.load();
    if (!stream) {
      if (!text) return false;
      await this.start(text.slice(0, SLACK_MAX_STREAM_CHARS));
      return true;
    }
    if (text.length > SLACK_MAX_STREAM_CHARS || text.length <= stream.sent.length || !text.startsWith(stream.sent)) return true;
    const delta = text.slice(stream.sent.length);
    await this.client.chat.appendStream({ channel: this.job.channelId, ts: stream.ts, markdown_text: delta });
    await this.save({ ts: stream.ts, sent: text });
    return true;
  }

  private async start(text: string): Promise<void> {
    const job = this.job;
    let ts: string | undefined;
    try {
      const res = await this.client.chat.startStream({
        channel: job.channelId,
        thread_ts: job.threadId ?? job.meta.messageTs ?? '',
        markdown_text: text,
        // Required outside DMs: the user the answer is for, and their workspace.
        recipient_user_id: job.userId,
        ...(job.workspaceId ? { recipient_team_id: job.workspaceId } : {}),
      });
      ts = res.ts;
    } catch (err) {
      if (isPlatformError(err)) throw new StreamRefusedError(slackErrorCode(err) ?? 'unknown_error');
      throw err;
    }
    if (!ts) throw new StreamRefusedError('no_ts');
    await this.save({ ts, sent: text });
  }

  /**
   * Finish the stream with the rest of `final` and the blocks (Sources, 👍/👎; each of
   * `variants` is tried in turn when Slack refuses blocks). Returns
   * 'stopped', or 'replace' when the streamed text cannot become `final` by appending
   * (or the stream is already over): the caller then edits the message into the answer.
   */
  async stop(final: string, variants: StopVariant[]): Promise<'stopped' | 'replace'> {
    const stream = await this.load();
    if (!stream) return 'replace';
    const channel = this.job.channelId;
    if (final.length > SLACK_MAX_STREAM_CHARS || !final.startsWith(stream.sent)) {
      await this.client.chat.stopStream({ channel, ts: stream.ts }).catch(() => undefined);
      return 'replace';
    }
    for (const [i, variant] of variants.entries()) {
      const delta = final.slice(stream.sent.length) + (variant.suffix ?? '');
      try {
        await this.client.chat.stopStream({ channel, ts: stream.ts, ...(delta ? { markdown_text: delta } : {}), ...(variant.blocks ? { blocks: variant.blocks } : {}) });
        await this.save({ ts: stream.ts, sent: final + (variant.suffix ?? '') });
        return 'stopped';
      } catch (err) {
        const code = slackErrorCode(err);
        if (code && STREAM_GONE.has(code)) return 'replace';
        if (!(code && BLOCK_REFUSALS.has(code)) || i === variants.length - 1) throw err;
      }
    }
    return 'replace';
  }

  /** End the stream with a short failure line (a failed call is the caller's to handle). */
  async abort(line: string): Promise<boolean> {
    const stream = await this.load();
    if (!stream) return false;
    await this.client.chat.stopStream({ channel: this.job.channelId, ts: stream.ts, markdown_text: `\n\n${line}` });
    return true;
  }
}
