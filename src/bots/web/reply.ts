/**
 * The worker's side of a web answer: the `Reply` that "posts" into the conversation's
 * Redis stream, from which the web adapter relays it to the browser over SSE. It needs
 * nothing but Redis, so a worker on another machine answers the web chat like any
 * platform.
 *
 * - start(): a `thinking` status (the adapter already showed the question: the placeholder).
 * - update(): the answer so far, throttled to WEB_STREAM_INTERVAL_MS; only the new text is
 *   appended (`delta`), except the first update of an attempt, which sends it whole
 *   (`text`), so a retried attempt replaces what the previous one streamed.
 * - finish(): figure images copied into Redis (content-addressed, like an upload to a
 *   platform), then one `final` event with the whole answer. Idempotent through ReplyState.
 * - fail(): an `error` event with the user-safe reason.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Reply, ReplyContext } from '../../queue/reply.js';
import { createEditThrottle, type EditThrottle } from '../../queue/throttle.js';
import type { Answer, AnswerFigure } from '../../rag/types.js';
import type { ConversationStore } from './conversations.js';
import { FIGURE_ROUTE, toWebAnswer } from './format.js';
import { imageExtension } from './image-type.js';
import type { StreamEvent } from './protocol.js';
import { MAX_FIGURE_BYTES, WEB_STREAM_INTERVAL_MS } from './types.js';

const FINISHED = 'web:finished';

/** The conversation a job belongs to: its thread (the adapter always sets one). */
export function conversationOf(job: { threadId?: string; channelId: string }): string {
  return job.threadId ?? job.channelId;
}

export class WebReply implements Reply {
  private readonly throttle: EditThrottle;
  /** Text this attempt has streamed so far (undefined before its first update). */
  private streamed: string | undefined;

  constructor(
    private readonly store: ConversationStore,
    private readonly context: ReplyContext,
    intervalMs = WEB_STREAM_INTERVAL_MS,
  ) {
    this.throttle = createEditThrottle({
      intervalMs,
      edit: (text) => this.stream(text),
      onError: (err) => context.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'web: streaming update failed'),
    });
  }

  private get answerId() {
    return this.context.answerId;
  }

  private append(event: StreamEvent): Promise<string> {
    return this.store.append(conversationOf(this.context.job), event);
  }

  async start(): Promise<void> {
    await this.append({ type: 'status', answerId: this.answerId, status: 'thinking' });
  }

  async update(partialText: string): Promise<void> {
    if (partialText.length > 0) this.throttle.push(partialText);
  }

  private async stream(text: string): Promise<void> {
    const previous = this.streamed;
    if (previous !== undefined && text.startsWith(previous)) {
      if (text.length > previous.length) await this.append({ type: 'delta', answerId: this.answerId, text: text.slice(previous.length) });
    } else {
      await this.append({ type: 'text', answerId: this.answerId, text });
    }
    this.streamed = text;
  }

  async finish(answer: Answer): Promise<void> {
    await this.throttle.cancel();
    if (await this.context.state.get<boolean>(FINISHED)) return;
    const urls = new Map<string, string>();
    for (const figure of answer.figures) {
      const url = await this.copyFigure(figure);
      if (url) urls.set(figure.id, url);
    }
    await this.append({ type: 'final', answerId: this.answerId, answer: toWebAnswer(answer, urls) });
    await this.context.state.set(FINISHED, true);
  }

  async fail(reason: string): Promise<void> {
    await this.throttle.cancel();
    await this.append({ type: 'error', answerId: this.answerId, message: reason });
  }

  /** Copy a figure's image into Redis under its content hash; undefined (caption only) when it cannot. */
  private async copyFigure(figure: AnswerFigure): Promise<string | undefined> {
    const log = this.context.logger;
    let bytes: Buffer;
    try {
      bytes = await readFile(figure.imagePath);
    } catch (err) {
      log.warn({ figure: figure.id, file: path.basename(figure.imagePath), err: err instanceof Error ? err.message : String(err) }, 'web: figure image unreadable; caption only');
      return undefined;
    }
    const ext = imageExtension(bytes);
    if (!ext || bytes.length > MAX_FIGURE_BYTES) {
      log.warn({ figure: figure.id, bytes: bytes.length, type: ext ?? 'unknown' }, 'web: figure image not shown (unknown type or too large); caption only');
      return undefined;
    }
    const name = `${createHash('sha256').update(bytes).digest('hex')}.${ext}`;
    await this.store.putFigure(name, bytes);
    return `${FIGURE_ROUTE}/${name}`;
  }
}
