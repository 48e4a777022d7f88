/**
 * The web chat's named limits and cookie names (the web counterpart of
 * src/bots/discord/types.ts). Every number here is a choice, so each says why.
 */

/** Session cookie: a random id per browser; the user id of its questions and ratings is derived from it. */
export const SESSION_COOKIE = 'mrag_session';
/** Auth cookie set by the login form when WEB_TOKEN is set (HMAC-signed expiry time). */
export const AUTH_COOKIE = 'mrag_auth';
/** A browser stays signed in / keeps its session for 30 days. */
export const SESSION_MAX_AGE_SECONDS = 30 * 24 * 3600;

/**
 * The local single user (loopback bind, no WEB_TOKEN) is not held to the per-user limit
 * meant for shared chats (RATE_LIMIT_USER_PER_MINUTE, 5): one question a second is more than
 * anyone types, and still stops a runaway script. The per-channel limit still applies.
 */
export const LOCAL_USER_PER_MINUTE = 60;
/** Login attempts per minute per client address (guessing a 16+ character token is hopeless anyway). */
export const LOGIN_ATTEMPTS_PER_MINUTE = 10;

/** All web questions share one rate-limit "channel", so RATE_LIMIT_CHANNEL_PER_MINUTE caps the web chat as a whole. */
export const WEB_CHANNEL_ID = 'web';

/**
 * Minimum milliseconds between two streamed updates of an answer. Discord and Slack edits
 * are rate-limited (REPLY_EDIT_INTERVAL_MS, 1.5 s); the browser is ours, so the answer can
 * stream token by token: 80 ms is below what the eye notices as stutter (~100 ms) and
 * keeps a 30 tokens/s model at ~12 stream entries per second.
 */
export const WEB_STREAM_INTERVAL_MS = 80;

/** Entries kept per conversation stream (approximate trim): far above 10 turns of deltas. */
export const CONVERSATION_STREAM_MAXLEN = 5000;
/** Conversations listed per session. */
export const MAX_CONVERSATIONS_LISTED = 100;

/** Attached images are kept in Redis until the worker has read them (a day covers queue waits and retries). */
export const UPLOAD_TTL_SECONDS = 24 * 3600;
/**
 * Largest figure the worker copies into Redis for the browser. Figures are normalised at
 * ingest (a few hundred KB); 8 MB matches Discord's default upload limit.
 */
export const MAX_FIGURE_BYTES = 8 * 1024 * 1024;

/** Open answer streams (SSE) per browser session and in total; each holds one Redis connection. */
export const MAX_STREAMS_PER_SESSION = 4;
export const MAX_STREAMS_TOTAL = 200;
/** XREAD block time: also the keep-alive interval of an idle stream (proxies drop silent connections after ~60 s). */
export const STREAM_BLOCK_MS = 15_000;

/** Characters of a chunk shown in the "why this answer" panel and in knowledge-base search results. */
export const WHY_SNIPPET_CHARS = 280;
/** Figures returned per knowledge-base page request. */
export const KB_FIGURES_PAGE = 60;
/** Documents returned per knowledge-base page request. */
export const KB_DOCUMENTS_PAGE = 500;

/** Ids chosen by the browser (conversations, requests): URL-safe and long enough to be unguessable. */
export const CLIENT_ID_PATTERN = /^[A-Za-z0-9_-]{16,64}$/;
