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

export const PLACEHOLDER_TEXT = ':mag: Searching the docs…';

/** A file attached to a Slack message (only the fields we read). */
export interface SlackFile {
  id?: string;
  name?: string;
  mimetype?: string;
  size?: number;
  url_private?: string;
  url_private_download?: string;
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
}

/** A message from `conversations.replies`. */
export interface SlackThreadMessage {
  ts?: string;
  user?: string;
  bot_id?: string;
  text?: string;
  subtype?: string;
}
