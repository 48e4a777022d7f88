/** Discord's limits and the adapter's fixed choices, as named constants. */

/** Characters in one message's `content`. */
export const DISCORD_MAX_CONTENT_LENGTH = 2000;
/** Characters in a thread name. */
export const DISCORD_MAX_THREAD_NAME_LENGTH = 100;
/** Attachments on one message. */
export const DISCORD_MAX_FILES_PER_MESSAGE = 10;
/**
 * Bytes per attached figure. Discord's default upload limit is 10 MiB per message for
 * servers without boosts; staying well under it leaves room for a few figures per message.
 */
export const DISCORD_MAX_FILE_BYTES = 8 * 1024 * 1024;
/** Bytes of all attachments on one message (the request must stay under the upload limit). */
export const DISCORD_MAX_MESSAGE_FILE_BYTES = 10 * 1024 * 1024 - 64 * 1024;
/** An attachment's alt text (`description`). */
export const DISCORD_MAX_ATTACHMENT_DESCRIPTION = 1024;

/** An interaction token can edit the response for 15 minutes. */
export const INTERACTION_TOKEN_TTL_MS = 15 * 60_000;
/** Stop using the token a little early: a request must not race the expiry. */
export const INTERACTION_TOKEN_MARGIN_MS = 60_000;

/** `flags` value that makes an interaction response visible only to the user. */
export const EPHEMERAL_FLAG = 64;

/**
 * Sent with EVERY message the bot posts: the model's output (or a user's question quoted
 * back) can never ping @everyone, @here, roles or users.
 */
export const NO_MENTIONS = { parse: [] as never[] };

export const ASK_COMMAND_NAME = 'ask';
export const PLACEHOLDER_TEXT = '🔎 Searching the docs…';
/** Used when a user sends only an image after the mention. */
export const IMAGE_ONLY_QUESTION = 'What does this image show, and what do the docs say about it?';
export const EMPTY_QUESTION_HINT = 'Ask me a question after the mention, e.g. "@bot how do I rotate the API key?" — or use /ask.';
