/**
 * The worker's side of a Discord answer, over REST only (no gateway): a typing indicator
 * where the user waits, then edits of the placeholder (or the deferred interaction
 * response) as the answer streams, then the final answer — text split to 2000 characters
 * across messages, figures attached to the last one, 👍/👎 buttons under it. Every
 * message carries `allowed_mentions: { parse: [] }`.
 *
 * Idempotent: ids of the messages it posted live in the job's ReplyState, so a retried
 * job edits them instead of posting again. Interaction tokens expire after 15 minutes; a
 * job finishing later posts into the thread (or the channel) instead. A thread archived
 * meanwhile is unarchived, or the answer goes to the parent channel (delivery.ts); buttons
 * Discord refuses are dropped rather than the answer.
 */
import { DiscordAPIError, Routes, type REST, type RawFile } from 'discord.js';
import type { Answer } from '../../rag/types.js';
import type { Reply, ReplyContext } from '../../queue/reply.js';
import { createEditThrottle, type EditThrottle } from '../../queue/throttle.js';
import { DISCORD_ERRORS, isArchivedThread, isRefusedRichMessage, unarchiveThread } from './delivery.js';
import { feedbackRow, type ActionRowJson } from './feedback.js';
import { groupFiles, loadFigureFiles, type FigureFile } from './files.js';
import { formatAnswer, splitMessage, streamingPreview } from './markdown.js';
import { INTERACTION_TOKEN_MARGIN_MS, INTERACTION_TOKEN_TTL_MS, NO_MENTIONS, PLACEHOLDER_TEXT } from './types.js';

/** ReplyState fields owned by this module. */
const STATE = {
  /** Id of the first message when it is a channel message we posted ourselves. */
  first: 'discord:first',
  /** Ids of the continuation messages, by part index (1, 2, …). */
  parts: 'discord:parts',
  /** The interaction token was refused (expired or revoked): stop using it. */
  tokenDead: 'discord:token-dead',
  /** The thread stayed archived: the answer goes to the parent channel. */
  relocated: 'discord:relocated',
  finished: 'discord:finished',
} as const;

interface OutgoingMessage {
  content: string;
  files?: FigureFile[];
  components?: ActionRowJson[];
}

/** JSON body and multipart files for a create/edit request. */
function toRequest(message: OutgoingMessage, extra: Record<string, unknown> = {}): { body: Record<string, unknown>; files?: RawFile[] } {
  const body: Record<string, unknown> = { content: message.content, allowed_mentions: NO_MENTIONS, ...extra };
  if (message.components) body.components = message.components;
  if (!message.files || message.files.length === 0) return { body };
  // Listing the attachments replaces the message's earlier ones: a retried edit does not duplicate them.
  body.attachments = message.files.map((f, i) => ({ id: i, filename: f.name, ...(f.description ? { description: f.description } : {}) }));
  return { body, files: message.files.map((f) => ({ name: f.name, data: f.data, contentType: f.contentType })) };
}

/** Discord refuses a webhook token that expired or was revoked with 401 / Unknown Webhook / Invalid Webhook Token. */
function isDeadToken(err: unknown): boolean {
  return err instanceof DiscordAPIError && (err.status === 401 || err.code === 10015 || err.code === 50027);
}

/** The thread stayed archived and the answer moved to the parent channel: write there instead. */
class RelocatedError extends Error {
  override readonly name = 'RelocatedError';
}

function isUnknownMessage(err: unknown): boolean {
  return err instanceof DiscordAPIError && (err.code === DISCORD_ERRORS.unknownMessage || err.status === 404);
}

export class DiscordReply implements Reply {
  private readonly throttle: EditThrottle;
  private relocated: boolean | undefined;

  constructor(
    private readonly rest: REST,
    private readonly context: ReplyContext,
    private readonly now: () => number = Date.now,
  ) {
    this.throttle = createEditThrottle({
      intervalMs: context.editIntervalMs,
      edit: (text) => this.writeFirst({ content: text }),
      onError: (err) => context.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'discord: streaming edit failed'),
    });
  }

  private get job() {
    return this.context.job;
  }

  /** Where new messages go: the thread when there is one (unless it stayed archived), else the channel. */
  private async target(): Promise<string> {
    this.relocated ??= Boolean(await this.context.state.get<boolean>(STATE.relocated));
    return this.relocated ? this.job.channelId : (this.job.threadId ?? this.job.channelId);
  }

  private get isInteraction(): boolean {
    return Boolean(this.job.replyHandle?.interactionToken);
  }

  private async tokenUsable(): Promise<boolean> {
    const handle = this.job.replyHandle;
    if (!handle?.interactionToken || !(handle.applicationId ?? false)) return false;
    const createdAt = handle.interactionCreatedAt ?? this.job.createdAt;
    if (createdAt + INTERACTION_TOKEN_TTL_MS - INTERACTION_TOKEN_MARGIN_MS <= this.now()) return false;
    return !(await this.context.state.get<boolean>(STATE.tokenDead));
  }

  async start(): Promise<void> {
    await this.typing();
    // A slash command was deferred by the adapter ("mrag is thinking…"); a mention has its placeholder.
    if (this.isInteraction || this.job.placeholderId) return;
    if (await this.context.state.get<string>(STATE.first)) return;
    await this.postFirst({ content: PLACEHOLDER_TEXT });
  }

  /** "mrag is typing…" where the user waits (best effort: it only shows progress). */
  private async typing(): Promise<void> {
    const where = this.isInteraction ? (this.job.meta.interactionChannelId ?? this.job.channelId) : await this.target();
    try {
      await this.rest.post(Routes.channelTyping(where));
    } catch (err) {
      this.context.logger.debug({ err: err instanceof Error ? err.message : String(err) }, 'discord: typing indicator not sent');
    }
  }

  async update(partialText: string): Promise<void> {
    const preview = streamingPreview(partialText);
    if (preview.length > 0) this.throttle.push(preview);
  }

  async finish(answer: Answer): Promise<void> {
    await this.throttle.cancel();
    if (await this.context.state.get<boolean>(STATE.finished)) return;
    const messages: OutgoingMessage[] = splitMessage(formatAnswer(answer)).map((content) => ({ content }));
    if (messages.length === 0) messages.push({ content: '…' });
    const groups = groupFiles(await loadFigureFiles(answer.figures, this.context.logger));
    if (groups.length > 0) {
      messages[messages.length - 1]!.files = groups[0];
      for (const group of groups.slice(1)) messages.push({ content: '', files: group });
    }
    messages[messages.length - 1]!.components = feedbackRow(this.context.answerId);
    await this.writeFirst(messages[0]!);
    for (let i = 1; i < messages.length; i++) await this.writePart(i, messages[i]!);
    await this.context.state.set(STATE.finished, true);
  }

  async fail(reason: string): Promise<void> {
    await this.throttle.cancel();
    await this.writeFirst({ content: `⚠️ ${reason}` });
  }

  /** Write the first message: the interaction response, the placeholder, or a new message. */
  private async writeFirst(message: OutgoingMessage): Promise<void> {
    const handle = this.job.replyHandle;
    if (handle?.interactionToken && handle.applicationId && (await this.tokenUsable())) {
      try {
        const route = Routes.webhookMessage(handle.applicationId, handle.interactionToken, '@original');
        await this.plainIfRefused(message, (m) => this.inThread(() => this.rest.patch(route, { ...toRequest(m), auth: false })));
        return;
      } catch (err) {
        if (err instanceof RelocatedError) return await this.postFirst(message);
        if (!isDeadToken(err)) throw err;
        this.context.logger.info('discord: interaction token no longer valid; posting in the thread instead');
        await this.context.state.set(STATE.tokenDead, true);
      }
    }
    await this.target(); // loads `relocated`
    const placeholder = this.isInteraction || this.relocated ? undefined : this.job.placeholderId;
    const existing = placeholder ?? (await this.context.state.get<string>(STATE.first));
    if (existing && (await this.editIn(existing, message))) return;
    await this.postFirst(message);
  }

  private async postFirst(message: OutgoingMessage): Promise<void> {
    const posted = await this.post(message);
    await this.context.state.set(STATE.first, posted.id);
  }

  /** Continuation messages (part 1, 2, …) go to the thread/channel; a retry edits them. */
  private async writePart(index: number, message: OutgoingMessage): Promise<void> {
    const parts = (await this.context.state.get<Record<string, string>>(STATE.parts)) ?? {};
    const existing = parts[String(index)];
    if (existing && (await this.editIn(existing, message))) return;
    const posted = await this.post(message);
    await this.context.state.set(STATE.parts, { ...parts, [String(index)]: posted.id });
  }

  /** Edit one of our messages; false when it is gone (deleted, or left in a thread that stayed archived). */
  private async editIn(messageId: string, message: OutgoingMessage): Promise<boolean> {
    const channel = await this.target();
    try {
      await this.plainIfRefused(message, (m) => this.inThread(() => this.rest.patch(Routes.channelMessage(channel, messageId), toRequest(m))));
      return true;
    } catch (err) {
      // Someone deleted the placeholder, or it is stuck in an archived thread: post a new message.
      if (isUnknownMessage(err) || err instanceof RelocatedError) return false;
      throw err;
    }
  }

  private async post(message: OutgoingMessage): Promise<{ id: string }> {
    const send = async (m: OutgoingMessage) => {
      const channel = await this.target();
      // Relocated to the parent channel: reply to the question there (without a ping).
      const ref = this.relocated && this.job.meta.messageId ? { message_reference: { message_id: this.job.meta.messageId, fail_if_not_exists: false } } : {};
      return (await this.rest.post(Routes.channelMessages(channel), toRequest(m, ref))) as { id: string };
    };
    try {
      return await this.plainIfRefused(message, (m) => this.inThread(() => send(m)));
    } catch (err) {
      if (!(err instanceof RelocatedError)) throw err;
      return await this.plainIfRefused(message, send);
    }
  }

  /**
   * Run a write to the thread; on "Thread is archived" unarchive it and write again, or,
   * when it cannot be unarchived, move the answer to the parent channel (RelocatedError).
   */
  private async inThread<T>(write: () => Promise<T>): Promise<T> {
    try {
      return await write();
    } catch (err) {
      const thread = this.job.threadId;
      if (!isArchivedThread(err) || !thread || this.relocated) throw err;
      if (await unarchiveThread(this.rest, thread)) {
        this.context.logger.info('discord: the thread was archived meanwhile; unarchived it');
        return await write();
      }
      this.context.logger.warn('discord: the thread is archived and locked; answering in the parent channel');
      this.relocated = true;
      await this.context.state.set(STATE.relocated, true);
      await this.context.state.set(STATE.first, null);
      await this.context.state.set(STATE.parts, {});
      throw new RelocatedError('thread archived');
    }
  }

  /** Send a message; when Discord refuses its components, send it again without them. */
  private async plainIfRefused<T>(message: OutgoingMessage, send: (m: OutgoingMessage) => Promise<T>): Promise<T> {
    try {
      return await send(message);
    } catch (err) {
      if (!message.components || !isRefusedRichMessage(err)) throw err;
      this.context.logger.warn('discord: message with buttons refused; sending it as plain text');
      return await send({ ...message, components: [] });
    }
  }
}
