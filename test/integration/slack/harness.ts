/**
 * One Slack end-to-end setup for the integration tests: the Slack stand-in, the REAL
 * gateway, feedback store and worker from src/queue on the real Redis (unique prefix), a
 * stub answerer, the real Bolt adapter (Socket Mode or HTTP) and the real REST worker side.
 *
 * Answers stream by placeholder edits unless a test sets SLACK_NATIVE_STREAMING (the
 * product's default, `auto`, is exercised by native-streaming.test.ts and assistant.test.ts).
 */
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { startSlackAdapter, type RunningSlackAdapter } from '../../../src/bots/slack/adapter.js';
import { createSlackWorkerSide } from '../../../src/bots/slack/worker-side.js';
import { loadConfig, type Config } from '../../../src/config/env.js';
import { createLogger, type Logger } from '../../../src/log.js';
import { createAskGateway } from '../../../src/queue/ask-gateway.js';
import { createFeedbackStore, type FeedbackStore } from '../../../src/queue/feedback.js';
import { askJobId } from '../../../src/queue/keys.js';
import { closeRedisConnection, createRedisConnection, type Redis } from '../../../src/queue/redis.js';
import { startAskWorker, type RunningAskWorker } from '../../../src/queue/worker.js';
import type { AnswerFigure, Answerer } from '../../../src/rag/types.js';
import { cleanPrefix, TEST_REDIS_URL, uniquePrefix } from '../../helpers/redis.js';
import { SlackStandIn } from '../../platforms/slack-standin.js';
import { makeFigures as makeSharedFigures } from '../../helpers/figures.js';

// Assembled at run time so that no token-shaped literal is committed.
export const BOT_TOKEN = ['xoxb', 'standin', '0000', 'secret', 'bot', 'token'].join('-');
export const APP_TOKEN = 'xapp-standin-0000-secret-app-token';
export const SIGNING_SECRET = 'standin-signing-secret-1234';
/** Small retries: tests must not wait minutes on a failing call. */
export const TEST_RETRY = { retries: 2, factor: 1, minTimeout: 20, maxTimeout: 50 };

export interface SlackHarness {
  standIn: SlackStandIn;
  config: Config;
  adapter: RunningSlackAdapter;
  connection: Redis;
  feedback: FeedbackStore;
  /** Every log line (JSON) written during the test. */
  logs: string[];
  /** The bot-side event URL in HTTP mode. */
  eventsUrl: string;
  /** Wait for the adapter to have handled `count` inputs with this outcome (from the debug log). */
  handled(outcome: string, count?: number): Promise<void>;
  /** Wait until the worker has finished the job of this message (answer posted, thread memory written). */
  answered(channel: string, ts: string): Promise<void>;
  close(): Promise<void>;
}

export function captureLogs(): { logger: Logger; logs: string[] } {
  const logs: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer | string, _enc, callback) {
      logs.push(...chunk.toString().split('\n').filter(Boolean));
      callback();
    },
  });
  return { logger: createLogger({ level: 'debug', secrets: [BOT_TOKEN, APP_TOKEN, SIGNING_SECRET], destination, pretty: false }), logs };
}

/** Two small PNG figures with captions, in a temp dir. */
export async function makeFigures(): Promise<AnswerFigure[]> {
  return await makeSharedFigures({ caption: (n) => `Diagram ${n}: the pipeline`, section: () => 'Overview', fileName: (n) => `figure-${n}.png`, width: 8, height: 6 });
}

export async function startSlackHarness(options: {
  answerer: Answerer;
  mode: 'socket' | 'http';
  env?: Record<string, string>;
}): Promise<SlackHarness> {
  const standIn = await SlackStandIn.start({ botToken: BOT_TOKEN, appToken: APP_TOKEN });
  const prefix = uniquePrefix('slack');
  const config = loadConfig({
    REDIS_URL: TEST_REDIS_URL,
    REDIS_PREFIX: prefix,
    SLACK_BOT_TOKEN: BOT_TOKEN,
    ...(options.mode === 'socket' ? { SLACK_APP_TOKEN: APP_TOKEN } : { SLACK_SIGNING_SECRET: SIGNING_SECRET }),
    SLACK_API_URL: standIn.apiUrl,
    REPLY_EDIT_INTERVAL_MS: '100',
    WORKER_CONCURRENCY: '4',
    WORKER_BACKOFF_MS: '50',
    RATE_LIMIT_USER_PER_MINUTE: '100',
    SLACK_NATIVE_STREAMING: 'false',
    // No index unless a test builds one (suggested prompts read the documents' titles from here).
    DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'mrag-slack-data-')),
    ...options.env,
  });
  const { logger, logs } = captureLogs();
  const connection: Redis = createRedisConnection(config.redis.url, { logger });
  const gateway = createAskGateway({ config, connection, logger });
  const feedback = createFeedbackStore(connection, prefix);
  const workerSide = createSlackWorkerSide({ config: config.slack!, logger, connection, prefix }, { retryConfig: TEST_RETRY, minEditIntervalMs: 100 });
  const worker: RunningAskWorker = await startAskWorker({ config, connection, answerer: options.answerer, platforms: { slack: workerSide }, logger });
  const adapter = await startSlackAdapter({ config, gateway, logger, feedback }, { retryConfig: TEST_RETRY, port: 0, host: '127.0.0.1' });

  const handled = async (outcome: string, count = 1) => {
    await standIn.waitFor(
      () => logs.filter((l) => l.includes('"slack: handled"') && l.includes(`"outcome":"${outcome}"`)).length >= count,
      10_000,
      `${count} input(s) handled as ${outcome}`,
    );
  };

  const answered = async (channel: string, ts: string) => {
    const jobId = askJobId('slack', `${channel}:${ts}`);
    await standIn.waitFor(() => logs.some((l) => l.includes('"msg":"answered"') && l.includes(`"jobId":"${jobId}"`)), 15_000, `job of ${jobId} answered`);
  };

  return {
    standIn,
    config,
    answered,
    adapter,
    connection,
    feedback,
    logs,
    eventsUrl: `http://127.0.0.1:${adapter.port ?? 0}/slack/events`,
    handled,
    async close() {
      await adapter.stop();
      await worker.close();
      await gateway.close();
      await standIn.close();
      await closeRedisConnection(connection);
      await cleanPrefix(TEST_REDIS_URL, prefix);
    },
  };
}
