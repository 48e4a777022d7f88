/**
 * The worker's side of a Discord answer, over REST only (no gateway): edits the
 * placeholder (or the deferred interaction response) as the answer streams, then
 * finalises it — text split to 2000 characters across messages, figures attached to the
 * last one. Every message carries `allowed_mentions: { parse: [] }`.
 *
 * Idempotent: ids of the messages it posted live in the job's ReplyState, so a retried
 * job edits them instead of posting again. Interaction tokens expire after 15 minutes; a
 * job finishing later posts into the thread (or the channel) instead.
 */
import { DiscordAPIError, Routes, type REST, type RawFile } from 'discord.js';
import type { Answer } from '../../rag/types.js';
import type { Reply, ReplyContext } from '../../queue/reply.js';
import { createEditThrottle, type EditThrottle } from '../../queue/throttle.js';
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
  finished: 'discord:finished',
} as const;

interface OutgoingMessage {
  content: string;
  files?: FigureFile[];
}

/** JSON body and multipart files for a create/edit request. */
function toRequest(message: OutgoingMessage): { body: Record<string, unknown>; files?: RawFile[] } {
  const body: Record<string, unknown> = { content: message.content, allowed_mentions: NO_MENTIONS };
  if (!message.files || message.files.length === 0) return { body };
  // Listing the attachments replaces the message's earlier ones: a retried edit does not duplicate them.
  body.attachments = message.files.map((f, i) => ({ id: i, filename: f.name, ...(f.description ? { description: f.description } : {}) }));
  return { body, files: message.files.map((f) => ({ name: f.name, data: f.data, contentType: f.contentType })) };
}

/** Discord refuses a webhook token that expired or was revoked with 401 / Unknown Webhook / Invalid Webhook Token. */
function isDeadToken(err: unknown): boolean {
  return err instanceof DiscordAPIError && (err.status === 401 || err.code === 10015 || err.code === 50027);
}

function isUnknownMessage(err: unknown): boolean {
  return err instanceof DiscordAPIError && (err.code === 10008 || err.status === 404);
}

export class DiscordReply implements Reply {
  private readonly throttle: EditThrottle;

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

  /** Where new messages go: the thread when there is one, else the channel. */
  private get targetChannel(): string {
    return this.job.threadId ?? this.job.channelId;
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
    // A slash command was deferred by the adapter ("mrag is thinking…"); a mention has its placeholder.
    if (this.isInteraction || this.job.placeholderId) return;
    if (await this.context.state.get<string>(STATE.first)) return;
    await this.postFirst({ content: PLACEHOLDER_TEXT });
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
        const request = toRequest(message);
        await this.rest.patch(Routes.webhookMessage(handle.applicationId, handle.interactionToken, '@original'), { ...request, auth: false });
        return;
      } catch (err) {
        if (!isDeadToken(err)) throw err;
        this.context.logger.info('discord: interaction token no longer valid; posting in the thread instead');
        await this.context.state.set(STATE.tokenDead, true);
      }
    }
    const existing = (this.isInteraction ? undefined : this.job.placeholderId) ?? (await this.context.state.get<string>(STATE.first));
    if (existing) {
      try {
        await this.rest.patch(Routes.channelMessage(this.targetChannel, existing), toRequest(message));
        return;
      } catch (err) {
        if (!isUnknownMessage(err)) throw err; // someone deleted the placeholder: post a new one
      }
    }
    await this.postFirst(message);
  }

  private async postFirst(message: OutgoingMessage): Promise<void> {
    const posted = (await this.rest.post(Routes.channelMessages(this.targetChannel), toRequest(message))) as { id: string };
    await this.context.state.set(STATE.first, posted.id);
  }

  /** Continuation messages (part 1, 2, …) go to the thread/channel; a retry edits them. */
  private async writePart(index: number, message: OutgoingMessage): Promise<void> {
    const parts = (await this.context.state.get<Record<string, string>>(STATE.parts)) ?? {};
    const existing = parts[String(index)];
    if (existing) {
      try {
        await this.rest.patch(Routes.channelMessage(this.targetChannel, existing), toRequest(message));
        return;
      } catch (err) {
        if (!isUnknownMessage(err)) throw err;
      }
    }
    const posted = (await this.rest.post(Routes.channelMessages(this.targetChannel), toRequest(message))) as { id: string };
    await this.context.state.set(STATE.parts, { ...parts, [String(index)]: posted.id });
  }
}
