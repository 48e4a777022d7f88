/**
 * The composition root: config + Redis + knowledge base + answerer + platforms, wired into
 * the gateway (bot side) and the worker. `mrag worker`, `mrag bot` and `mrag start` are
 * this function with different switches.
 */
import type { Config } from '../config/env.js';
import { ConfigError, UserFacingError } from '../errors.js';
import type { Logger } from '../log.js';
import type { PlatformModule, RunningAdapter } from '../bots/platform.js';
import { configuredPlatforms, credentialedPlatforms } from '../bots/registry.js';
import { createAskGateway } from '../queue/ask-gateway.js';
import { createFeedbackStore } from '../queue/feedback.js';
import type { Platform } from '../queue/job.js';
import { closeRedisConnection, createRedisConnection, type Redis } from '../queue/redis.js';
import type { PlatformWorkerSide } from '../queue/reply.js';
import { createTerminalWorkerSide } from '../queue/terminal-reply.js';
import { startAskWorker } from '../queue/worker.js';
import { createAnswerer as createRagAnswerer, type RunningAnswerer } from '../rag/answer/index.js';
import { ensureKnowledgeBase as ensureRagKnowledgeBase } from '../rag/knowledge-base.js';
import { createHttpServer, type HttpServer } from './http-server.js';
import { createOperations, instrumentAnswerer, instrumentGateway, instrumentWorkerSide } from './ops/index.js';
import { ensureRedis } from './local-redis.js';
import { startTerminalChat } from './terminal-chat.js';

export interface AppOptions {
  config: Config;
  logger: Logger;
  worker: boolean;
  bots: boolean;
  /** `mrag start` / `mrag chat`: private Redis when none is reachable, ingest the shipped docs. */
  local: boolean;
  /**
   * Adapters to start when `bots` is on. Default: the platforms enabled by credentials
   * (Discord, Slack); the web chat starts only when listed (`mrag start`, `mrag web`);
   * none with `chat`.
   */
  platforms?: readonly PlatformModule['name'][];
  /** `mrag chat`: the terminal chat (needs `worker` and `bots`); no HTTP server. */
  chat?: boolean;
  /** Terminal chat streams (tests). */
  chatInput?: NodeJS.ReadableStream;
  chatOutput?: NodeJS.WritableStream;
  /** Replace the answer pipeline / knowledge base set-up (tests use a stub answerer; startApp then does not wait for an index). */
  createAnswerer?: (deps: { config: Config; logger: Logger }) => Promise<RunningAnswerer>;
  ensureKnowledgeBase?: (deps: { config: Config; logger: Logger }) => Promise<void>;
}

export interface RunningApp {
  /** Resolves when the app ends by itself (the terminal chat was closed); never otherwise. */
  finished: Promise<void>;
  /** Base URL of the process's HTTP server (web chat, health, metrics), when it serves one. */
  httpUrl?: string;
  /** The adapters that started, by platform (for readiness). */
  adapters: ReadonlyMap<string, RunningAdapter>;
  stop(): Promise<void>;
}

const REDIS_TIMEOUT_MS = 5000;

export async function startApp(options: AppOptions): Promise<RunningApp> {
  const { logger } = options;
  const stack: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stack.splice(0).reverse()) {
      try {
        await step();
      } catch (err) {
        logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'error while stopping');
      }
    }
  };
  try {
    return await assemble(options, stack, stop);
  } catch (err) {
    await stop();
    throw err;
  }
}

async function assemble(options: AppOptions, stack: (() => Promise<void>)[], stop: () => Promise<void>): Promise<RunningApp> {
  const { logger } = options;
  let config = options.config;
  const platforms = configuredPlatforms(config);
  const chat = options.chat === true && options.worker && options.bots;
  const wanted = options.platforms;
  const listening = wanted ? platforms.filter((p) => wanted.includes(p.name)) : chat ? [] : credentialedPlatforms(config);

  if (options.local) {
    const redis = await ensureRedis({ config, logger });
    stack.push(redis.stop);
    config = { ...config, redis: { ...config.redis, url: redis.url } };
  }
  const connection = createRedisConnection(config.redis.url, { logger });
  stack.push(() => closeRedisConnection(connection));
  await checkRedis(connection, config);
  const ops = createOperations({ config, logger, connection, worker: options.worker });
  stack.push(() => ops.close());

  // One HTTP server per process: start/bot on HTTP_PORT (web chat, health, metrics),
  // a worker alone on WORKER_HTTP_PORT when set. A worker alone listens at once, so that
  // /healthz and /readyz answer while it waits for its index.
  let http: HttpServer | undefined;
  let httpUrl: string | undefined;
  const httpPort = options.bots ? (chat ? undefined : config.http.port) : config.http.workerPort > 0 ? config.http.workerPort : undefined;
  if (httpPort !== undefined) {
    http = createHttpServer({ logger });
    stack.push(() => http!.close());
    await ops.register(http.app);
  }
  const listen = async () => {
    if (!http || httpPort === undefined || httpUrl) return;
    httpUrl = await listenOrExplain(http, config.http.host, httpPort, options.bots ? 'HTTP_PORT' : 'WORKER_HTTP_PORT');
    logger.info({ url: httpUrl }, 'http server listening');
  };
  if (!options.bots) await listen();

  let terminal: ReturnType<typeof createTerminalWorkerSide> | undefined;
  let retriever: RunningAnswerer['retriever'];
  if (options.worker) {
    if (options.local) await (options.ensureKnowledgeBase ?? ensureRagKnowledgeBase)({ config, logger });
    else if (!options.createAnswerer) await ops.waitForIndex(); // the real answerer opens the index under DATA_DIR
    const running = await (options.createAnswerer ?? createRagAnswerer)({ config, logger });
    stack.push(() => running.close());
    ops.workerStarted(running);
    const answerer = instrumentAnswerer(running);
    retriever = running.retriever;
    const sides: Partial<Record<Platform, PlatformWorkerSide>> = {};
    for (const p of platforms) {
      const side = p.createWorkerSide({ config, logger, connection });
      sides[p.name] = instrumentWorkerSide(p.name, side);
      if (side.close) stack.push(side.close.bind(side));
    }
    if (chat) {
      terminal = createTerminalWorkerSide({ output: options.chatOutput, startedAt: Date.now() });
      sides.terminal = instrumentWorkerSide('terminal', terminal);
    }
    const workerConnection = createRedisConnection(config.redis.url, { logger });
    stack.push(() => closeRedisConnection(workerConnection));
    const worker = await startAskWorker({ config, connection: workerConnection, answerer, platforms: sides, logger });
    stack.push(() => worker.close());
  }

  let finished: Promise<void> = new Promise(() => undefined);
  const adapters = new Map<string, RunningAdapter>();
  if (options.bots) {
    const gateway = instrumentGateway(createAskGateway({ config, connection, logger }));
    stack.push(() => gateway.close());
    const feedback = createFeedbackStore(connection, config.redis.prefix);
    const failures: unknown[] = [];
    for (const p of listening) {
      try {
        const adapter = await p.startAdapter({ config, gateway, logger, http, feedback, retriever });
        adapters.set(p.name, adapter);
        ops.adapterStarted(p.name, adapter);
        stack.push(() => adapter.stop());
        logger.info({ platform: p.name }, 'adapter started');
      } catch (err) {
        // A configuration mistake (e.g. the web chat on a reachable address without WEB_TOKEN) stops start-up.
        if (err instanceof ConfigError) throw err;
        // One platform's start-up failure does not stop the others: log the fix, report it in /readyz.
        const detail = err instanceof Error ? err.message : String(err);
        failures.push(err);
        const failed: RunningAdapter = { stop: async () => undefined, health: () => ({ ok: false, detail }) };
        adapters.set(p.name, failed);
        ops.adapterStarted(p.name, failed);
        logger.error({ platform: p.name, err: detail }, 'adapter failed to start; the other platforms keep running');
      }
    }
    if (listening.length > 0 && failures.length === listening.length) throw failures[0];
    if (chat && terminal) {
      const session = startTerminalChat({ gateway, side: terminal, input: options.chatInput, output: options.chatOutput });
      stack.push(async () => session.close());
      finished = session.finished;
    } else if (options.local && listening.length > 0) {
      logger.info({ platforms: listening.map((p) => p.name) }, 'bot and worker running');
    }
  }
  await listen();
  return { finished, httpUrl, adapters, stop };
}

/** Listen, turning "port taken" into one line naming the variable to change. */
async function listenOrExplain(http: HttpServer, host: string, port: number, variable: string): Promise<string> {
  try {
    return (await http.listen(host, port)).url;
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code === 'EADDRINUSE') {
      throw new UserFacingError('http_port_in_use', `Port ${port} on ${host} is already in use (${variable}): stop the other process or set ${variable} to a free port.`);
    }
    if (code === 'EADDRNOTAVAIL' || code === 'ENOTFOUND' || code === 'EACCES') {
      throw new UserFacingError('http_listen_failed', `Cannot listen on ${host}:${port} (${code}): check HTTP_HOST and ${variable}.`);
    }
    throw err;
  }
}

async function checkRedis(connection: Redis, config: Config): Promise<void> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let onError: (err: Error) => void = () => undefined;
  // Fail on the first connection error (refused, unknown host) or after a timeout.
  const failure = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), REDIS_TIMEOUT_MS);
    onError = reject;
    connection.once('error', onError);
  });
  try {
    await Promise.race([connection.ping(), failure]);
  } catch {
    const where = new URL(config.redis.url);
    throw new UserFacingError(
      'redis_unreachable',
      `Cannot reach Redis at ${where.hostname}:${where.port || 6379} (REDIS_URL). Start Redis or set REDIS_URL.`,
    );
  } finally {
    clearTimeout(timer);
    connection.off('error', onError);
  }
}
