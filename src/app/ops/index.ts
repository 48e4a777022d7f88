/**
 * Operations of one long-running process (`start`, `bot`, `worker`): `/readyz`, `/metrics`
 * and the queue dashboard on the process's HTTP server (`/healthz` is built into it), the
 * readiness state, the wait for a missing index, and the metric wrappers. `startApp` makes
 * one and tells it what started:
 *
 *   const ops = createOperations({ config, logger, connection, worker });
 *   await ops.register(http.app);               // before listen
 *   await ops.waitForIndex();                   // worker: until an index exists
 *   ops.workerStarted(answerer);                // index loaded, retrieval level known
 *   ops.adapterStarted('slack', adapter);       // platform connection health
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/env.js';
import type { Logger } from '../../log.js';
import type { RunningAdapter } from '../../bots/platform.js';
import { createAskQueue, type AskQueue } from '../../queue/ask-queue.js';
import type { Redis } from '../../queue/redis.js';
import { readIndexMeta } from '../../rag/index/store.js';
import type { RetrievalLevel } from '../../rag/types.js';
import { DASHBOARD_PATH, registerDashboard } from './dashboard.js';
import { readIngestRun } from './ingest-record.js';
import { getMetrics, type Metrics } from '../../metrics.js';
import { Readiness, type CheckResult } from './readiness.js';
import { INDEX_WAIT_HINT, waitForIndex } from './wait-for-index.js';

export { instrumentAnswerer, instrumentGateway, instrumentWorkerSide } from './instrument.js';
export { Readiness, type CheckResult, type ReadinessReport } from './readiness.js';

/** Queue states reported by `mrag_queue_jobs` (BullMQ's names). */
export const QUEUE_STATES = ['wait', 'prioritized', 'delayed', 'active', 'waiting-children', 'completed', 'failed'] as const;

export interface OperationsOptions {
  config: Config;
  logger: Logger;
  /** The process's Redis connection (not closed here). */
  connection: Redis;
  /** The process runs a worker: /readyz then also checks the index and the model. */
  worker: boolean;
  metrics?: Metrics;
}

export interface Operations {
  readonly readiness: Readiness;
  readonly metrics: Metrics;
  /** Add `/readyz`, `/metrics` and (with ADMIN_TOKEN) `/admin/queues` to the server. */
  register(app: FastifyInstance): Promise<void>;
  /** Worker: resolve once an index exists under DATA_DIR (logging and reporting the wait). */
  waitForIndex(signal?: AbortSignal): Promise<void>;
  /** Worker: the answerer is up, so the index is loaded; `answerer.level` (when reported) is the level it runs at. */
  workerStarted(answerer: object): void;
  adapterStarted(platform: string, adapter: RunningAdapter): void;
  close(): Promise<void>;
}

/**
 * Seam for the retrieval level: a RunningAnswerer that reports `level` (1 | 2 | 3) is read;
 * otherwise the configured level is assumed (before levels, opening the index loaded the model).
 */
export function answererLevel(answerer: object, configured: Config['retrieval']['level']): RetrievalLevel {
  const level = (answerer as { level?: unknown }).level;
  if (level === 1 || level === 2 || level === 3) return level;
  return configured === 'auto' ? 3 : configured;
}

/** `/readyz`'s model check: level 3 with the model loaded, or a lower level chosen on purpose. */
export function modelCheck(config: Config, level: RetrievalLevel, modelLoaded = false): CheckResult {
  const configured = config.retrieval.level;
  if (level === 3) return { ok: true, detail: `level 3: embedding model ${config.embedding.model} loaded` };
  if (configured === level) return { ok: true, detail: `level ${level} (RETRIEVAL_LEVEL=${level}): no embedding model needed` };
  if (modelLoaded) {
    return { ok: false, detail: `level ${level}: the embedding model is loaded but the index has no embeddings yet; fix: run \`mrag ingest\` with the model to add them (nothing is re-parsed)` };
  }
  return {
    ok: false,
    detail: `level ${level}: the embedding model ${config.embedding.model} did not load (RETRIEVAL_LEVEL=${configured}); fix: \`mrag model pull\`, a local EMBEDDING_MODEL directory, or RETRIEVAL_LEVEL=${level} to run without it`,
  };
}

export function createOperations(options: OperationsOptions): Operations {
  const { config, logger, connection } = options;
  const metrics = options.metrics ?? getMetrics();
  const readiness = new Readiness();
  let queue: AskQueue | undefined;
  const askQueue = () => {
    if (!queue) {
      queue = createAskQueue(connection, config);
      // Connection errors are the app's to report (its connection logs the outage once).
      queue.on('error', (err) => logger.debug({ err: err.message }, 'ops: queue connection error'));
    }
    return queue;
  };

  readiness.set('redis', async () => {
    if (connection.status !== 'ready') return { ok: false, detail: `not connected (${connection.status}); check REDIS_URL and that Redis runs` };
    await connection.ping();
    return { ok: true, detail: 'reachable' };
  });
  let indexState: 'waiting' | 'loading' | 'loaded' = 'loading';
  if (options.worker) {
    readiness.set('index', () => {
      if (indexState === 'waiting') return { ok: false, detail: `no index under DATA_DIR yet: waiting for it; ${INDEX_WAIT_HINT}` };
      if (indexState === 'loading') return { ok: false, detail: 'loading the index and the models' };
      const meta = readIndexMeta(config.dataDir);
      return meta ? { ok: true, detail: `generation ${meta.generation}, model ${meta.model ?? 'none (no embeddings: built at level 1 or 2)'}` } : { ok: false, detail: 'the index disappeared from DATA_DIR' };
    });
    readiness.set('model', () => ({ ok: false, detail: 'loading' }));
  }

  metrics.setSources({
    queueCounts: async () => askQueue().getJobCounts(...QUEUE_STATES),
    indexGeneration: () => readIndexMeta(config.dataDir)?.generation,
    lastIngest: () => readIngestRun(connection, config.redis.prefix),
  });

  return {
    readiness,
    metrics,
    async register(app) {
      app.get('/readyz', async (_request, reply) => {
        const report = await readiness.report();
        return reply.code(report.ready ? 200 : 503).send(report);
      });
      app.get('/metrics', async (_request, reply) => {
        const text = await metrics.registry.metrics();
        return reply.header('content-type', metrics.registry.contentType).send(text);
      });
      if (config.http.adminToken) {
        await registerDashboard(app, { adminToken: config.http.adminToken, queues: [askQueue()] });
        logger.info({ path: DASHBOARD_PATH }, 'queue dashboard enabled (ADMIN_TOKEN)');
      }
    },
    async waitForIndex(signal) {
      if (readIndexMeta(config.dataDir)) return;
      indexState = 'waiting';
      await waitForIndex({ dataDir: config.dataDir, logger, signal });
      indexState = 'loading';
    },
    workerStarted(answerer) {
      indexState = 'loaded';
      // Read at every probe: the level rises to 3 once an ingest adds embeddings to a level-2 index.
      const modelLoaded = (answerer as { modelLoaded?: boolean }).modelLoaded === true;
      readiness.set('model', () => modelCheck(config, answererLevel(answerer, config.retrieval.level), modelLoaded));
      const llm = (answerer as { llmStatus?: () => Promise<CheckResult> }).llmStatus;
      if (llm) readiness.set('llm', () => llm.call(answerer));
    },
    adapterStarted(platform, adapter) {
      const check = () => {
        const health = adapter.health?.();
        return health ? { ok: health.ok, detail: health.detail ?? (health.ok ? 'connected' : 'not connected') } : { ok: true, detail: 'running' };
      };
      readiness.set(`platform:${platform}`, check);
    },
    async close() {
      metrics.setSources({});
      // The connection is the app's (closed by it); with Redis down, do not wait on it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([queue?.close(), new Promise((resolve) => (timer = setTimeout(resolve, 2000)))]);
      clearTimeout(timer);
    },
  };
}
