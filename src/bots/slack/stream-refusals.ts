/**
 * Workspaces where Slack refused native streaming (chat.startStream), remembered so that
 * with SLACK_NATIVE_STREAMING=auto the next answers there go straight to placeholder
 * edits. Kept in Redis (shared by every worker) for REFUSAL_TTL_SECONDS, so that a
 * workspace that later turns the feature on (or grants the scope) gets it back; without
 * Redis, in this process's memory.
 */
import type { Redis } from 'ioredis';

/** A refusal is believed for a day, then streaming is tried again. */
export const REFUSAL_TTL_SECONDS = 24 * 3600;

/**
 * Errors that mean "this workspace or app cannot stream" (Slack's `error` codes): the
 * method is unknown or retired, the app lacks the scope or the AI-app feature, or the
 * token type may not use it. Any other refusal only falls back for the one answer.
 */
export const WORKSPACE_REFUSALS = new Set([
  'not_allowed',
  'not_allowed_token_type',
  'unknown_method',
  'method_deprecated',
  'missing_scope',
  'feature_not_enabled',
  'not_enabled',
  'team_not_allowed',
  'access_denied',
]);

export interface StreamRefusals {
  isRefused(teamId: string | undefined): Promise<boolean>;
  remember(teamId: string | undefined, code: string): Promise<void>;
}

export function createStreamRefusals(options: { connection?: Redis; prefix: string; now?: () => number }): StreamRefusals {
  const now = options.now ?? Date.now;
  const local = new Map<string, number>();
  const key = (team: string | undefined) => `${options.prefix}:slack:native-stream-refused:${team ?? '-'}`;
  return {
    async isRefused(team) {
      if (options.connection) return (await options.connection.exists(key(team))) === 1;
      const until = local.get(key(team));
      return until !== undefined && until > now();
    },
    async remember(team, code) {
      if (options.connection) await options.connection.set(key(team), code, 'EX', REFUSAL_TTL_SECONDS);
      else local.set(key(team), now() + REFUSAL_TTL_SECONDS * 1000);
    },
  };
}
