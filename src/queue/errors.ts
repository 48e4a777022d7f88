/**
 * Which failures deserve a retry. Only transient ones do: the network, a 5xx, a rate
 * limit. Bad input (a UserFacingError, a 4xx, an invalid payload) fails at once, because
 * trying again would give the same result and keep the user waiting.
 */
import { UserFacingError } from '../errors.js';

/** Throw this to say explicitly "try again later". */
export class TransientError extends Error {
  override readonly name = 'TransientError';
}

/** Throw this to say explicitly "retrying will not help"; `userMessage` is shown to the user. */
export class PermanentJobError extends Error {
  override readonly name = 'PermanentJobError';
  readonly userMessage: string;
  constructor(message: string, userMessage: string, options?: { cause?: unknown }) {
    super(message, options);
    this.userMessage = userMessage;
  }
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  // @slack/web-api
  'slack_webapi_rate_limited_error',
  'slack_webapi_request_error',
]);

function statusOf(err: Record<string, unknown>): number | undefined {
  for (const field of ['status', 'statusCode', 'status_code', 'httpStatus']) {
    const v = err[field];
    if (typeof v === 'number') return v;
  }
  return undefined;
}

/** True when the error (or one of its causes) is worth retrying later. */
export function isTransientError(err: unknown, depth = 0): boolean {
  if (depth > 5 || err === null || typeof err !== 'object') return false;
  if (err instanceof UserFacingError || err instanceof PermanentJobError) return false;
  if (err instanceof TransientError) return true;
  const e = err as Record<string, unknown>;
  const status = statusOf(e);
  if (status !== undefined) return status === 408 || status === 429 || status >= 500;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  // undici's fetch wraps network failures as `TypeError: fetch failed` with the cause inside.
  if (err instanceof TypeError && e.message === 'fetch failed') return true;
  if (e.name === 'TimeoutError') return true;
  return isTransientError(e.cause, depth + 1);
}

export const GENERIC_APOLOGY = 'Sorry — something went wrong while answering. Please try again in a moment.';

/** What the user sees when a job ends in failure: never a stack trace nor an internal detail. */
export function userMessageFor(err: unknown): string {
  if (err instanceof PermanentJobError) return err.userMessage;
  if (err instanceof UserFacingError) return err.message;
  return GENERIC_APOLOGY;
}
