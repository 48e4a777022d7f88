/**
 * Structured logging (pino). JSON lines by default, pretty output on a TTY.
 *
 * Secrets are removed from the *serialised line*, after pino has rendered it, so that a
 * token cannot leak through any path: a config object, an error message, a URL, a nested
 * field. Two nets: the exact values of the configured secrets, and the shapes of Slack and
 * Discord tokens.
 */
import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';
import pinoPretty from 'pino-pretty';

export type { Logger };

const REDACTED = '[REDACTED]';

/** Slack tokens (xoxb-, xoxp-, xoxa-, xapp-) and Discord bot tokens (three dot-separated base64url parts). */
const TOKEN_PATTERNS: RegExp[] = [
  /\bxox[abpre]-[0-9A-Za-z-]{8,}/g,
  /\bxapp-[0-9A-Za-z-]{8,}/g,
  /\b[MNO][A-Za-z0-9_-]{23,27}\.[A-Za-z0-9_-]{6}\.[A-Za-z0-9_-]{27,40}\b/g,
];

/** Replace known secret values and token-shaped strings in `text`. */
export function redactSecrets(text: string, secrets: readonly string[] = []): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length < 6) continue; // too short to replace without mangling unrelated text
    out = out.split(secret).join(REDACTED);
    // The same secret as it appears inside a JSON string (quotes/backslashes escaped).
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) out = out.split(escaped).join(REDACTED);
  }
  for (const pattern of TOKEN_PATTERNS) out = out.replace(pattern, REDACTED);
  return out;
}

export interface LoggerOptions {
  level?: string;
  /** Exact secret values to scrub (Config.secrets). */
  secrets?: readonly string[];
  /** Pretty, human-readable lines. Defaults to true when stderr is a TTY. */
  pretty?: boolean;
  /** Where lines go (default: stderr, so that CLI output on stdout stays clean). Tests pass a collecting stream. */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const secrets = [...(options.secrets ?? [])];
  const pretty = options.pretty ?? (process.stderr.isTTY === true && !options.destination);
  const sink: NodeJS.WritableStream = pretty
    ? pinoPretty({ destination: options.destination ?? 2, sync: true })
    : (options.destination ?? process.stderr);
  const scrubber = new Writable({
    write(chunk: Buffer | string, _enc, callback) {
      sink.write(redactSecrets(chunk.toString(), secrets));
      callback();
    },
  });
  return pino(
    {
      level: options.level ?? 'info',
      base: undefined,
      // Belt and braces: common secret-bearing keys are censored before serialisation too.
      redact: {
        paths: ['token', '*.token', 'botToken', '*.botToken', 'appToken', '*.appToken', 'signingSecret', '*.signingSecret', 'authorization', '*.authorization', 'headers.authorization', '*.headers.authorization', 'secrets', '*.secrets'],
        censor: REDACTED,
      },
    },
    scrubber,
  );
}

let shared: Logger | undefined;

/** The process-wide logger; configure it once at start-up with `initLogger`. */
export function getLogger(): Logger {
  shared ??= createLogger({ level: process.env.LOG_LEVEL ?? 'info' });
  return shared;
}

export function initLogger(options: LoggerOptions): Logger {
  shared = createLogger(options);
  return shared;
}
