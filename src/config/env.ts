/**
 * The one place where environment variables are read and validated (GUIDE §2).
 * `loadConfig()` either returns a fully typed `Config` or throws a `ConfigError` whose
 * message is a single line naming the offending variable and what was expected.
 */
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../errors.js';

export const DEFAULTS = {
  REDIS_URL: 'redis://127.0.0.1:6379',
  OLLAMA_HOST: 'http://127.0.0.1:11434',
  OLLAMA_MODEL: 'llama3.2-vision',
  EMBEDDING_MODEL: 'Xenova/clip-vit-base-patch16',
  DATA_DIR: './data',
  KB_DIR: './kb',
  HTTP_HOST: '127.0.0.1',
  HTTP_PORT: 8080,
  DISCORD_API_URL: 'https://discord.com/api',
  SLACK_API_URL: 'https://slack.com/api/',
} as const;

/** Variables whose values are credentials: never echoed in errors or logs. */
export const SECRET_VARIABLES = [
  'DISCORD_TOKEN',
  'SLACK_BOT_TOKEN',
  'SLACK_APP_TOKEN',
  'SLACK_SIGNING_SECRET',
  'WEB_TOKEN',
  'ADMIN_TOKEN',
] as const;

const emptyToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);

const httpUrl = (what: string) =>
  z.string().refine((s) => {
    try {
      const u = new URL(s);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, `must be an http(s) URL${what}`);

const redisUrl = z.string().refine((s) => {
  try {
    const u = new URL(s);
    return (u.protocol === 'redis:' || u.protocol === 'rediss:') && u.hostname !== '';
  } catch {
    return false;
  }
}, 'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379');

const bool = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'], { message: 'must be true or false' })
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

const int = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `must be a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`));

const idList = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9_-]+$/, 'must be a comma-separated list of ids')));

const opt = <T extends z.ZodTypeAny>(schema: T) => z.preprocess(emptyToUndefined, schema.optional());

/** Raw environment schema: one entry per variable, documented in `.env.example`. */
export const envSchema = z.object({
  REDIS_URL: opt(redisUrl),
  REDIS_PREFIX: opt(z.string().regex(/^[A-Za-z0-9:_-]+$/, 'must be letters, digits, ":", "_" or "-"')),
  OLLAMA_HOST: opt(
    z.string().refine(
      (s) =>
        s.split(',').every((h) => {
          try {
            const u = new URL(h.trim());
            return u.protocol === 'http:' || u.protocol === 'https:';
          } catch {
            return false;
          }
        }),
      'must be an http(s) URL, or several separated by commas',
    ),
  ),
  OLLAMA_MODEL: opt(z.string().min(1)),
  OLLAMA_AUTO_PULL: opt(bool),
  OLLAMA_CONCURRENCY: opt(int(1, 64)),
  OLLAMA_TIMEOUT_MS: opt(int(1000, 3_600_000)),
  OLLAMA_IDLE_TIMEOUT_MS: opt(int(500, 600_000)),
  OLLAMA_MAX_IMAGES: opt(int(0, 16)),
  EMBEDDING_MODEL: opt(z.string().min(1)),
  EMBEDDING_DTYPE: opt(z.enum(['fp32', 'fp16', 'q8'], { message: 'must be fp32, fp16 or q8' })),
  HF_ENDPOINT: opt(httpUrl(', e.g. a Hub mirror such as https://hub.example.internal')),
  RETRIEVAL_LEVEL: opt(z.enum(['auto', '1', '2', '3'], { message: 'must be auto, 1, 2 or 3' })),
  FIGURE_DESCRIPTIONS: opt(bool),
  FIGURE_MIN_SIZE_PX: opt(int(1, 4096)),
  OCR_ENABLED: opt(bool),
  OCR_LANGS: opt(z.string().regex(/^[a-z_]{3,10}(\+[a-z_]{3,10})*$/, 'must be tesseract language codes joined by +, e.g. eng or eng+deu')),
  DATA_DIR: opt(z.string().min(1)),
  KB_DIR: opt(z.string().min(1)),
  HTTP_HOST: opt(z.string().min(1)),
  HTTP_PORT: opt(int(0, 65535)),
  WEB_TOKEN: opt(z.string().min(16, 'must be at least 16 characters')),
  ADMIN_TOKEN: opt(z.string().min(16, 'must be at least 16 characters')),
  WORKER_HTTP_PORT: opt(int(0, 65535)),
  DISCORD_TOKEN: opt(z.string().min(10, 'looks too short to be a bot token')),
  DISCORD_APPLICATION_ID: opt(z.string().regex(/^\d{5,25}$/, 'must be a numeric application id (snowflake)')),
  DISCORD_API_URL: opt(httpUrl(', e.g. https://discord.com/api')),
  DISCORD_ALLOW_DMS: opt(bool),
  DISCORD_GUILD_IDS: opt(idList),
  DISCORD_CHANNEL_IDS: opt(idList),
  SLACK_BOT_TOKEN: opt(z.string().startsWith('xoxb-', 'must be a bot token starting with xoxb-')),
  SLACK_APP_TOKEN: opt(z.string().startsWith('xapp-', 'must be an app-level token starting with xapp-')),
  SLACK_SIGNING_SECRET: opt(z.string().min(8, 'looks too short to be a signing secret')),
  SLACK_API_URL: opt(httpUrl(', e.g. https://slack.com/api/')),
  SLACK_PORT: opt(int(1, 65535)),
  SLACK_CHANNEL_IDS: opt(idList),
  SLACK_NATIVE_STREAMING: opt(z.enum(['auto', 'true', 'false'], { message: 'must be auto, true or false' })),
  SLACK_SUGGESTED_PROMPTS: opt(
    z
      .string()
      .transform((s) => s.split('|').map((p) => p.trim()).filter(Boolean))
      .pipe(z.array(z.string().max(300, 'must be prompts of at most 300 characters')).max(4, 'must be at most 4 prompts separated by |')),
  ),
  WORKER_CONCURRENCY: opt(int(1, 256)),
  WORKER_ATTEMPTS: opt(int(1, 20)),
  WORKER_BACKOFF_MS: opt(int(10, 600_000)),
  WORKER_LOCK_MS: opt(int(200, 600_000)),
  WORKER_STALLED_INTERVAL_MS: opt(int(100, 600_000)),
  WORKER_SHUTDOWN_TIMEOUT_MS: opt(int(0, 600_000)),
  RATE_LIMIT_USER_PER_MINUTE: opt(int(1, 10_000)),
  RATE_LIMIT_CHANNEL_PER_MINUTE: opt(int(1, 100_000)),
  QUEUE_MAX_WAITING: opt(int(1, 1_000_000)),
  THREAD_MEMORY_TURNS: opt(int(1, 100)),
  THREAD_MEMORY_TTL_DAYS: opt(int(1, 365)),
  REPLY_EDIT_INTERVAL_MS: opt(int(100, 60_000)),
  LOG_LEVEL: opt(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])),
});

export type RawEnv = z.infer<typeof envSchema>;

export interface DiscordConfig {
  token: string;
  applicationId?: string;
  apiUrl: string;
  allowDms: boolean;
  guildIds: string[];
  channelIds: string[];
}

export interface SlackConfig {
  botToken: string;
  appToken?: string;
  signingSecret?: string;
  /** Socket Mode when an app token is set, else HTTP mode with the signing secret. */
  mode: 'socket' | 'http';
  apiUrl: string;
  port: number;
  channelIds: string[];
  /** `auto`: native streaming (chat.startStream…) where the workspace allows it, placeholder edits elsewhere. */
  nativeStreaming: 'auto' | 'on' | 'off';
  /** Prompts the assistant suggests in a new thread (at most 4); empty = from the knowledge base's document titles. */
  suggestedPrompts: string[];
}

/** `auto`: level 3 when the embedding model loads, else level 2 (see docs/ARCHITECTURE.md). */
export type RetrievalLevelSetting = 'auto' | 1 | 2 | 3;

export interface Config {
  redis: { url: string; /** true when REDIS_URL was set by the user */ explicit: boolean; prefix: string };
  ollama: {
    hosts: string[];
    model: string;
    autoPull: boolean;
    concurrency: number;
    timeoutMs: number;
    idleTimeoutMs: number;
    /** Images sent with one request; llama3.2-vision accepts only one, other vision models (gemma3, qwen2.5vl) several. */
    maxImages: number;
  };
  embedding: {
    model: string;
    /** Weights variant: fp32 (default), fp16, q8 (`_quantized` files, ~2x faster on CPU). */
    dtype: 'fp32' | 'fp16' | 'q8';
    /** Hub mirror base URL (HF_ENDPOINT); undefined = the library's default. */
    hubEndpoint?: string;
  };
  retrieval: { level: RetrievalLevelSetting };
  figures: {
    /** Write model descriptions of figures at ingest (FIGURE_DESCRIPTIONS; unset: on at RETRIEVAL_LEVEL=1, else off). */
    describe: boolean;
    /** Images whose shorter displayed side is below this many pixels are decoration: skipped and reported. */
    minSidePx: number;
  };
  ocr: { enabled: boolean; /** tesseract language codes joined by '+', e.g. 'eng' */ langs: string };
  /** Absolute path of the knowledge base and index directory. */
  dataDir: string;
  /** Absolute path of the team's documents (what `mrag ingest` reads by default in Compose). */
  kbDir: string;
  http: {
    host: string;
    /** Web chat, health, metrics and admin of `start`/`bot` (0 = any free port). */
    port: number;
    /** Required when `host` is not a loopback address. */
    webToken?: string;
    /** Enables /admin/queues. */
    adminToken?: string;
    /** Health and metrics port of `mrag worker` (0 = off). */
    workerPort: number;
  };
  discord?: DiscordConfig;
  slack?: SlackConfig;
  worker: {
    concurrency: number;
    /** Tries per job (transient failures only are retried), with exponential backoff from backoffMs. */
    attempts: number;
    backoffMs: number;
    /** BullMQ job lock; a worker that dies mid-job loses it after lockMs, and the job is picked up again. */
    lockMs: number;
    stalledIntervalMs: number;
    /** How long SIGTERM/SIGINT waits for in-flight jobs before handing them back to the queue. */
    shutdownTimeoutMs: number;
  };
  limits: {
    userPerMinute: number;
    channelPerMinute: number;
    queueMaxWaiting: number;
    /** Longest question accepted; longer ones get a clear error. */
    maxQuestionChars: number;
  };
  memory: { turns: number; ttlSeconds: number };
  reply: { editIntervalMs: number };
  logLevel: string;
  /** The raw values of every secret variable that is set, for log redaction. */
  secrets: string[];
}

export const MAX_QUESTION_CHARS = 4000;

/**
 * 32 px: below this on the shorter side an image is an icon, a spacer or a tracking pixel
 * (GitHub renders README badges at 20 px, favicons are 16–32 px); real figures are larger.
 */
export const DEFAULT_FIGURE_MIN_SIZE_PX = 32;

function describeIssue(issue: z.core.$ZodIssue, env: Record<string, string | undefined>): string {
  const variable = String(issue.path[0] ?? 'environment');
  const secret = (SECRET_VARIABLES as readonly string[]).includes(variable);
  const value = env[variable];
  const shown = secret || value === undefined ? '' : ` (got ${JSON.stringify(value.length > 60 ? value.slice(0, 60) + '…' : value)})`;
  return `${variable} ${issue.message}${shown}`;
}

/** Parse and validate the environment. Throws `ConfigError` with a one-line message. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(String(issue.path[0] ?? 'environment'), `Invalid configuration: ${describeIssue(issue, env)}`);
  }
  const e = parsed.data;

  let discord: DiscordConfig | undefined;
  if (e.DISCORD_TOKEN) {
    discord = {
      token: e.DISCORD_TOKEN,
      applicationId: e.DISCORD_APPLICATION_ID,
      apiUrl: (e.DISCORD_API_URL ?? DEFAULTS.DISCORD_API_URL).replace(/\/+$/, ''),
      allowDms: e.DISCORD_ALLOW_DMS ?? false,
      guildIds: e.DISCORD_GUILD_IDS ?? [],
      channelIds: e.DISCORD_CHANNEL_IDS ?? [],
    };
  }

  let slack: SlackConfig | undefined;
  if (e.SLACK_BOT_TOKEN) {
    if (!e.SLACK_APP_TOKEN && !e.SLACK_SIGNING_SECRET) {
      throw new ConfigError(
        'SLACK_APP_TOKEN',
        'Invalid configuration: SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode) must be set with SLACK_BOT_TOKEN',
      );
    }
    const apiUrl = e.SLACK_API_URL ?? DEFAULTS.SLACK_API_URL;
    slack = {
      botToken: e.SLACK_BOT_TOKEN,
      appToken: e.SLACK_APP_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      mode: e.SLACK_APP_TOKEN ? 'socket' : 'http',
      apiUrl: apiUrl.endsWith('/') ? apiUrl : apiUrl + '/',
      port: e.SLACK_PORT ?? 3000,
      channelIds: e.SLACK_CHANNEL_IDS ?? [],
      nativeStreaming: ({ auto: 'auto', true: 'on', false: 'off' } as const)[e.SLACK_NATIVE_STREAMING ?? 'auto'],
      suggestedPrompts: e.SLACK_SUGGESTED_PROMPTS ?? [],
    };
  } else if (e.SLACK_APP_TOKEN || e.SLACK_SIGNING_SECRET) {
    throw new ConfigError('SLACK_BOT_TOKEN', 'Invalid configuration: SLACK_BOT_TOKEN must be set to enable Slack');
  }

  const secrets = SECRET_VARIABLES.map((k) => e[k]).filter((v): v is string => typeof v === 'string' && v.length > 0);

  return {
    redis: { url: e.REDIS_URL ?? DEFAULTS.REDIS_URL, explicit: e.REDIS_URL !== undefined, prefix: e.REDIS_PREFIX ?? 'mrag' },
    ollama: {
      hosts: (e.OLLAMA_HOST ?? DEFAULTS.OLLAMA_HOST).split(',').map((h) => h.trim().replace(/\/+$/, '')),
      model: e.OLLAMA_MODEL ?? DEFAULTS.OLLAMA_MODEL,
      autoPull: e.OLLAMA_AUTO_PULL ?? false,
      concurrency: e.OLLAMA_CONCURRENCY ?? 1,
      timeoutMs: e.OLLAMA_TIMEOUT_MS ?? 120_000,
      idleTimeoutMs: e.OLLAMA_IDLE_TIMEOUT_MS ?? 30_000,
      maxImages: e.OLLAMA_MAX_IMAGES ?? 1,
    },
    embedding: { model: e.EMBEDDING_MODEL ?? DEFAULTS.EMBEDDING_MODEL, dtype: e.EMBEDDING_DTYPE ?? 'fp32', hubEndpoint: e.HF_ENDPOINT },
    retrieval: { level: e.RETRIEVAL_LEVEL === undefined || e.RETRIEVAL_LEVEL === 'auto' ? 'auto' : (Number(e.RETRIEVAL_LEVEL) as 1 | 2 | 3) },
    // Level 1 answers from figure text, so descriptions are on there unless set to false.
    figures: { describe: e.FIGURE_DESCRIPTIONS ?? e.RETRIEVAL_LEVEL === '1', minSidePx: e.FIGURE_MIN_SIZE_PX ?? DEFAULT_FIGURE_MIN_SIZE_PX },
    ocr: { enabled: e.OCR_ENABLED ?? true, langs: e.OCR_LANGS ?? 'eng' },
    dataDir: path.resolve(e.DATA_DIR ?? DEFAULTS.DATA_DIR),
    kbDir: path.resolve(e.KB_DIR ?? DEFAULTS.KB_DIR),
    http: {
      host: e.HTTP_HOST ?? DEFAULTS.HTTP_HOST,
      port: e.HTTP_PORT ?? DEFAULTS.HTTP_PORT,
      webToken: e.WEB_TOKEN,
      adminToken: e.ADMIN_TOKEN,
      workerPort: e.WORKER_HTTP_PORT ?? 0,
    },
    discord,
    slack,
    worker: {
      concurrency: e.WORKER_CONCURRENCY ?? 1,
      attempts: e.WORKER_ATTEMPTS ?? 4,
      backoffMs: e.WORKER_BACKOFF_MS ?? 2000,
      lockMs: e.WORKER_LOCK_MS ?? 30_000,
      stalledIntervalMs: e.WORKER_STALLED_INTERVAL_MS ?? 30_000,
      shutdownTimeoutMs: e.WORKER_SHUTDOWN_TIMEOUT_MS ?? 20_000,
    },
    limits: {
      userPerMinute: e.RATE_LIMIT_USER_PER_MINUTE ?? 5,
      channelPerMinute: e.RATE_LIMIT_CHANNEL_PER_MINUTE ?? 30,
      queueMaxWaiting: e.QUEUE_MAX_WAITING ?? 200,
      maxQuestionChars: MAX_QUESTION_CHARS,
    },
    memory: { turns: e.THREAD_MEMORY_TURNS ?? 10, ttlSeconds: (e.THREAD_MEMORY_TTL_DAYS ?? 7) * 86_400 },
    reply: { editIntervalMs: e.REPLY_EDIT_INTERVAL_MS ?? 1500 },
    logLevel: e.LOG_LEVEL ?? 'info',
    secrets,
  };
}
