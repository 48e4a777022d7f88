/**
 * Slack limits and the few payload shapes the adapter reads. Limits are named constants
 * so that splitting and truncation are explicit (Slack's documented values).
 */

/** Recommended maximum of a message's top-level `text` (Slack truncates very long messages). */
export const SLACK_MAX_TEXT_LENGTH = 4000;
/** Maximum length of the text of a section block. */
export const SLACK_MAX_SECTION_LENGTH = 3000;
/** Maximum number of elements of a context block. */
export const SLACK_MAX_CONTEXT_ELEMENTS = 10;
/** Maximum length of a file's alt text. */
export const SLACK_MAX_ALT_TEXT_LENGTH = 1000;
/** Slack allows about one message post/edit per second per channel. */
export const SLACK_CHANNEL_EDIT_INTERVAL_MS = 1000;

/** Slack's limit on `markdown_text` per chat.startStream / appendStream / stopStream call. */
export const SLACK_MAX_STREAM_CALL_CHARS = 12_000;
/**
 * Characters one natively streamed message carries at most; a longer answer continues in
 * ordinary thread messages (streamed messages are meant for conversational answers).
 */
export const SLACK_MAX_STREAM_CHARS = 11_000;
/** Suggested prompts Slack shows in a new assistant thread (assistant.threads.setSuggestedPrompts allows 4). */
export const SLACK_MAX_SUGGESTED_PROMPTS = 4;

export const PLACEHOLDER_TEXT = ':mag: Searching the docs…';
/** The assistant thread status while the worker answers (assistant.threads.setStatus). */
export const ASSISTANT_STATUS = 'Searching the docs…';
export const ASSISTANT_GREETING = "Hi! Ask me anything about the team's documents — I answer with the figures and cite my sources.";
/** Characters of an assistant thread title (set from the first question). */
export const ASSISTANT_TITLE_CHARS = 80;

/** Block and action ids of the 👍/👎 buttons under each answer. */
export const FEEDBACK_BLOCK_ID = 'mrag_feedback';
export const FEEDBACK_ACTION_ID = 'mrag_feedback';

/** A file attached to a Slack message (only the fields we read). */
export interface SlackFile {
  id?: string;
  name?: string;
  mimetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
  /** `check_file_info`: Slack withheld the file's fields (Slack Connect); `files.info` returns them. */
  file_access?: string;
}

/** A legacy attachment: how Slack delivers a shared (forwarded) message, among others. */
export interface SlackAttachment {
  is_share?: boolean;
  is_msg_unfurl?: boolean;
  pretext?: string;
  title?: string;
  text?: string;
  fallback?: string;
  files?: SlackFile[];
  message_blocks?: { message?: { text?: string; blocks?: unknown[] } }[];
}

/** The fields of an `app_mention` / `message` event the adapter reads. */
export interface SlackMessageEvent {
  type: string;
  subtype?: string;
  channel: string;
  channel_type?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  ts: string;
  thread_ts?: string;
  files?: SlackFile[];
  attachments?: SlackAttachment[];
  /** Rich-text blocks (the text is also in `blocks` when a client sent it that way). */
  blocks?: unknown[];
  client_msg_id?: string;
}

/** A message from `conversations.replies`. */
export interface SlackThreadMessage {
  ts?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  subtype?: string;
  attachments?: SlackAttachment[];
  blocks?: unknown[];
}
