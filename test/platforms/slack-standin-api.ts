/**
 * The Web API methods of the Slack stand-in, on a small in-memory model of a workspace:
 * messages per channel (with blocks, metadata and the streaming state of natively
 * streamed messages), files, assistant threads. Request and response shapes follow
 * Slack's method reference (docs.slack.dev/reference/methods/<method>):
 *
 * - chat.startStream {channel, thread_ts, markdown_text?, recipient_user_id?, recipient_team_id?}
 *   → {ok, channel, ts}; outside DMs the recipient fields are required
 *   (`missing_recipient_user_id` / `missing_recipient_team_id`). chat.appendStream
 *   {channel, ts, markdown_text} and chat.stopStream {channel, ts, markdown_text?, blocks?}
 *   answer `message_not_in_streaming_state` once the stream stopped or expired.
 * - assistant.threads.setStatus {channel_id, thread_ts, status}, setSuggestedPrompts
 *   {channel_id, thread_ts, prompts (≤ 4), title?}, setTitle {channel_id, thread_ts, title}.
 * - files.info {file} → {ok, file}; `file_not_found` for an unknown id.
 *
 * Refusals a test can switch on: `streamRefusal` (every chat.startStream fails with that
 * error, e.g. `not_allowed`, `missing_scope`, `unknown_method`), `refusedBlockTypes` (a
 * message carrying such a block fails with `invalid_blocks`).
 */
import { randomUUID } from 'node:crypto';

export interface StoredMessage {
  ts: string;
  thread_ts?: string;
  user?: string;
  bot_id?: string;
  text: string;
  subtype?: string;
  blocks?: Record<string, unknown>[];
  metadata?: { event_type: string; event_payload: Record<string, unknown> };
  /** A natively streamed message that has not been stopped. */
  streaming?: boolean;
  attachments?: Record<string, unknown>[];
  files?: Record<string, unknown>[];
}

export interface StandInFile {
  id: string;
  name: string;
  mimetype: string;
  size: number;
  url_private: string;
  url_private_download?: string;
}

export interface WorkspaceModel {
  teamId: string;
  botUserId: string;
  botId: string;
  baseUrl: string;
  appToken: string;
  nonMemberChannels: Set<string>;
  messages: Map<string, StoredMessage[]>;
  files: Map<string, StandInFile>;
  /** `channel:thread_ts` of the assistant threads Slack opened (setStatus works there only). */
  assistantThreads: Set<string>;
  /** Assistant thread status by `channel:thread_ts` ('' = cleared). */
  statuses: Map<string, string>;
  streamRefusal?: string;
  refusedBlockTypes: Set<string>;
  addMessage(channel: string, message: Omit<StoredMessage, 'ts'> & { ts?: string }): StoredMessage;
  nextTs(): string;
  nextFileId(): string;
}

type Args = Record<string, unknown>;
type Result = Record<string, unknown>;

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);

function blocksRefused(model: WorkspaceModel, blocks: unknown): boolean {
  return Array.isArray(blocks) && blocks.some((b) => model.refusedBlockTypes.has(String((b as { type?: string }).type)));
}

function findMessage(model: WorkspaceModel, channel: string, ts: unknown): StoredMessage | undefined {
  return model.messages.get(channel)?.find((m) => m.ts === ts);
}

function botMessage(model: WorkspaceModel, channel: string, a: Args, extra: Partial<StoredMessage> = {}): StoredMessage {
  return model.addMessage(channel, {
    text: String(a.text ?? ''),
    thread_ts: str(a.thread_ts),
    user: model.botUserId,
    bot_id: model.botId,
    ...(Array.isArray(a.blocks) ? { blocks: a.blocks as Record<string, unknown>[] } : {}),
    ...(a.metadata ? { metadata: (typeof a.metadata === 'string' ? JSON.parse(a.metadata) : a.metadata) as StoredMessage['metadata'] } : {}),
    ...extra,
  });
}

const chat: Record<string, (model: WorkspaceModel, a: Args, channel: string) => Result> = {
  'chat.postMessage': (model, a, channel) => {
    if (model.nonMemberChannels.has(channel)) return { ok: false, error: 'not_in_channel' };
    if (blocksRefused(model, a.blocks)) return { ok: false, error: 'invalid_blocks' };
    const message = botMessage(model, channel, a);
    return { ok: true, channel, ts: message.ts, message };
  },
  'chat.update': (model, a, channel) => {
    const message = findMessage(model, channel, a.ts);
    if (!message) return { ok: false, error: 'message_not_found' };
    if (blocksRefused(model, a.blocks)) return { ok: false, error: 'invalid_blocks' };
    message.text = String(a.text ?? '');
    if (Array.isArray(a.blocks)) message.blocks = a.blocks as Record<string, unknown>[];
    if (a.metadata) message.metadata = (typeof a.metadata === 'string' ? JSON.parse(a.metadata) : a.metadata) as StoredMessage['metadata'];
    return { ok: true, channel, ts: message.ts, text: message.text };
  },
  'chat.delete': (model, a, channel) => {
    const list = model.messages.get(channel) ?? [];
    const i = list.findIndex((m) => m.ts === a.ts);
    if (i < 0) return { ok: false, error: 'message_not_found' };
    list.splice(i, 1);
    return { ok: true, channel, ts: a.ts };
  },
  'chat.postEphemeral': (model) => ({ ok: true, message_ts: model.nextTs() }),
  'chat.startStream': (model, a, channel) => {
    if (model.streamRefusal) return { ok: false, error: model.streamRefusal };
    if (!channel || !str(a.thread_ts)) return { ok: false, error: 'invalid_arguments' };
    if (!channel.startsWith('D')) {
      if (!str(a.recipient_user_id)) return { ok: false, error: 'missing_recipient_user_id' };
      if (!str(a.recipient_team_id)) return { ok: false, error: 'missing_recipient_team_id' };
    }
    if (String(a.markdown_text ?? '').length > 12_000) return { ok: false, error: 'msg_too_long' };
    const message = botMessage(model, channel, { thread_ts: a.thread_ts, text: a.markdown_text ?? '' }, { streaming: true });
    return { ok: true, channel, ts: message.ts };
  },
  'chat.appendStream': (model, a, channel) => {
    const message = findMessage(model, channel, a.ts);
    if (!message) return { ok: false, error: 'message_not_found' };
    if (!message.streaming) return { ok: false, error: 'message_not_in_streaming_state' };
    if (typeof a.markdown_text !== 'string' || a.markdown_text.length === 0) return { ok: false, error: 'invalid_arguments' };
    message.text += a.markdown_text;
    return { ok: true, channel, ts: message.ts };
  },
  'chat.stopStream': (model, a, channel) => {
    const message = findMessage(model, channel, a.ts);
    if (!message) return { ok: false, error: 'message_not_found' };
    if (!message.streaming) return { ok: false, error: 'message_not_in_streaming_state' };
    if (blocksRefused(model, a.blocks)) return { ok: false, error: 'invalid_blocks' };
    message.text += String(a.markdown_text ?? '');
    if (Array.isArray(a.blocks)) message.blocks = a.blocks as Record<string, unknown>[];
    message.streaming = false;
    return { ok: true, channel, ts: message.ts, message };
  },
};

const assistant: Record<string, (model: WorkspaceModel, a: Args) => Result> = {
  'assistant.threads.setStatus': (model, a) => {
    const key = `${str(a.channel_id)}:${str(a.thread_ts)}`;
    // Modelled: the status exists in assistant threads (DMs with an AI app), not in any other thread.
    if (!model.assistantThreads.has(key)) return { ok: false, error: 'not_allowed' };
    model.statuses.set(key, String(a.status ?? ''));
    return { ok: true };
  },
  'assistant.threads.setSuggestedPrompts': (model, a) => {
    const prompts = a.prompts as { title?: string; message?: string }[] | undefined;
    if (!Array.isArray(prompts) || prompts.length === 0 || prompts.length > 4) return { ok: false, error: 'invalid_arguments' };
    if (prompts.some((p) => !p.title || !p.message)) return { ok: false, error: 'invalid_arguments' };
    return model.assistantThreads.has(`${str(a.channel_id)}:${str(a.thread_ts)}`) ? { ok: true } : { ok: false, error: 'not_allowed' };
  },
  'assistant.threads.setTitle': (model, a) =>
    str(a.title) && model.assistantThreads.has(`${str(a.channel_id)}:${str(a.thread_ts)}`) ? { ok: true } : { ok: false, error: 'invalid_arguments' },
};

/** Answer one Web API call (the bearer token was already checked). */
export function answerApi(model: WorkspaceModel, method: string, a: Args): Result {
  const channel = String(a.channel ?? a.channel_id ?? '');
  if (chat[method]) return chat[method](model, a, channel);
  if (assistant[method]) return assistant[method](model, a);
  switch (method) {
    case 'auth.test':
      return { ok: true, url: `${model.baseUrl}/`, team: 'Stand-in', user: 'mrag', team_id: model.teamId, user_id: model.botUserId, bot_id: model.botId };
    case 'apps.connections.open':
      return { ok: true, url: `${model.baseUrl.replace(/^http/, 'ws')}/socket?ticket=${randomUUID()}` };
    case 'conversations.replies': {
      const all = (model.messages.get(channel) ?? []).filter((m) => m.ts === a.ts || m.thread_ts === a.ts);
      if (all.length === 0) return { ok: false, error: 'thread_not_found' };
      const limit = Number(a.limit ?? 1000);
      // Metadata only when asked for, as Slack does.
      const messages = all.slice(0, limit).map((m) => (a.include_all_metadata ? m : { ...m, metadata: undefined }));
      return { ok: true, messages, has_more: all.length > limit };
    }
    case 'files.info': {
      const file = model.files.get(String(a.file ?? ''));
      return file ? { ok: true, file } : { ok: false, error: 'file_not_found' };
    }
    case 'files.getUploadURLExternal': {
      const fileId = model.nextFileId();
      return { ok: true, upload_url: `${model.baseUrl}/upload/${fileId}`, file_id: fileId };
    }
    case 'files.completeUploadExternal': {
      const files = (a.files as { id: string; title?: string }[] | undefined) ?? [];
      return { ok: true, files: files.map((f) => ({ id: f.id, title: f.title })) };
    }
    default:
      return { ok: false, error: 'unknown_method' };
  }
}
