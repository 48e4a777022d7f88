/**
 * The Slack `WebClient` both sides use, pointed at `SLACK_API_URL` (GovSlack, tests), and a
 * bridge from Slack's logger interface to our pino logger (so that the redaction of tokens
 * applies to everything the Slack SDK logs too).
 */
import { LogLevel, webApi, type Logger as SlackLogger } from '@slack/bolt';
import type { SlackConfig } from '../../config/env.js';
import type { Logger } from '../../log.js';

export type WebClient = webApi.WebClient;
export type RetryOptions = NonNullable<webApi.WebClientOptions['retryConfig']>;

/**
 * Always set explicitly: Socket Mode otherwise writes 100 retries into the shared client
 * options. Five retries with backoff, plus the client's own waiting on HTTP 429 Retry-After.
 */
export const DEFAULT_RETRY_CONFIG: RetryOptions = { retries: 5, factor: 2, minTimeout: 500, maxTimeout: 10_000 };

const PINO_TO_SLACK: Record<string, LogLevel> = {
  trace: LogLevel.DEBUG,
  debug: LogLevel.DEBUG,
  info: LogLevel.INFO,
  warn: LogLevel.WARN,
  error: LogLevel.ERROR,
  fatal: LogLevel.ERROR,
  silent: LogLevel.ERROR,
};

const render = (parts: unknown[]) => parts.map((p) => (p instanceof Error ? p.message : typeof p === 'string' ? p : JSON.stringify(p))).join(' ');

/** Slack SDK logger → pino. The level stays pino's (set by LOG_LEVEL); `setLevel` is ignored. */
export function slackLogger(logger: Logger): SlackLogger {
  return {
    debug: (...msg: unknown[]) => logger.debug(render(msg)),
    info: (...msg: unknown[]) => logger.info(render(msg)),
    warn: (...msg: unknown[]) => logger.warn(render(msg)),
    error: (...msg: unknown[]) => logger.error(render(msg)),
    setLevel: () => {},
    getLevel: () => PINO_TO_SLACK[logger.level] ?? LogLevel.INFO,
    setName: () => {},
  };
}

export interface WebClientOptionsInput {
  retryConfig?: RetryOptions;
  /** Per-request timeout in milliseconds (0 = none). */
  timeoutMs?: number;
}

/** Options shared by Bolt (`clientOptions`) and the worker's own WebClient. */
export function webClientOptions(config: SlackConfig, logger: Logger, options: WebClientOptionsInput = {}): webApi.WebClientOptions {
  return {
    slackApiUrl: config.apiUrl,
    logger: slackLogger(logger),
    retryConfig: { ...(options.retryConfig ?? DEFAULT_RETRY_CONFIG) },
    timeout: options.timeoutMs ?? 30_000,
  };
}

export function createWebClient(config: SlackConfig, logger: Logger, options: WebClientOptionsInput = {}): WebClient {
  return new webApi.WebClient(config.botToken, webClientOptions(config, logger, options));
}

/** The Slack error code of a failed Web API call (`not_in_channel`, `ratelimited`, …), if any. */
export function slackErrorCode(err: unknown): string | undefined {
  const data = (err as { data?: { error?: unknown } } | undefined)?.data;
  return typeof data?.error === 'string' ? data.error : undefined;
}
