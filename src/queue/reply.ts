/**
 * The platform-neutral reply interface. The worker drives it; each platform implements it
 * once (src/bots/<platform>/reply.ts), the terminal too (src/queue/terminal-reply.ts).
 *
 * Lifecycle per job: start() → update()* → finish(answer) | fail(reason).
 * Posting must be idempotent: a retried job edits the message(s) it already posted, which
 * it finds through `ReplyContext.state` (persisted per job in Redis).
 */
import type { Logger } from '../log.js';
import type { Answer, ChatTurn } from '../rag/types.js';
import type { AskJob } from './job.js';

export interface Reply {
  /** Make sure a placeholder exists (or the deferred reply is acknowledged). Idempotent. */
  start(): Promise<void>;
  /** The answer so far. Implementations throttle edits (Config.reply.editIntervalMs). */
  update(partialText: string): Promise<void>;
  /** Final text split to the platform's limits, figure files, sources. */
  finish(answer: Answer): Promise<void>;
  /** A short, user-safe explanation in the thread. Never a stack trace. */
  fail(reason: string): Promise<void>;
}

/** Small per-job key/value store that survives worker restarts (e.g. ids of messages posted). */
export interface ReplyState {
  get<T = unknown>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown): Promise<void>;
}

export interface ReplyContext {
  job: AskJob;
  /** The answer's stable id (the BullMQ job id): feedback buttons carry it. */
  answerId: string;
  state: ReplyState;
  logger: Logger;
  /** Minimum milliseconds between two streaming edits of one message. */
  editIntervalMs: number;
}

/** What a platform provides to the worker side (no gateway connection needed). */
export interface PlatformWorkerSide {
  createReply(context: ReplyContext): Reply;
  /** Download a user's attached image (platforms may need auth, e.g. Slack url_private). */
  fetchImage(url: string, maxBytes: number): Promise<Uint8Array>;
  /**
   * Earlier turns of a thread the bot has no memory of (e.g. a Slack mention inside an
   * existing thread reads `conversations.replies`). Used only when thread memory is empty.
   */
  fetchHistory?(job: AskJob): Promise<ChatTurn[]>;
  close?(): Promise<void>;
}
