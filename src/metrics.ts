/**
 * The process's Prometheus metrics (prom-client), served at `GET /metrics`. One registry per
 * process, like the logger: anything may count into it (`getMetrics()`), the operations
 * plugin serves it. Names follow Prometheus conventions: `_total` counters, `_seconds`
 * histograms, base units.
 *
 * | metric | labels | what |
 * |---|---|---|
 * | `mrag_questions_received_total` | platform | questions enqueued by this bot process |
 * | `mrag_questions_rejected_total` | platform, reason | turned away: rate_limited, busy, invalid |
 * | `mrag_questions_answered_total` | platform, mode | answers posted by this worker (mode: llm, retrieval-only) |
 * | `mrag_questions_failed_total` | platform | questions that ended in an apology |
 * | `mrag_stage_duration_seconds` | stage | queue_wait, condense, retrieve, prompt, generate, post, total |
 * | `mrag_llm_failures_total` | kind | answers that fell back to retrieval-only, by LLM failure (LlmFailure) |
 * | `mrag_queue_jobs` | state | jobs in the ask queue by state (the whole deployment's queue, not this process's) |
 * | `mrag_index_generation` | | generation of the index under DATA_DIR (where mounted) |
 * | `mrag_ingest_last_*` | outcome | the last `mrag ingest` run of the deployment (recorded in Redis) |
 * | `process_*`, `nodejs_*` | | prom-client's default process metrics |
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * Seconds. From a cached Redis round trip (5 ms) to a slow CPU generation (120 s =
 * OLLAMA_TIMEOUT_MS's default): the stages of one answer span five orders of magnitude.
 */
export const STAGE_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120];

/** What a process's `/metrics` reads at scrape time (set by the app that runs in it). */
export interface MetricSources {
  /** Job counts of the ask queue by state. */
  queueCounts?: () => Promise<Record<string, number>>;
  /** Generation of the index under DATA_DIR, undefined when there is none here. */
  indexGeneration?: () => number | undefined;
  /** The last ingest run recorded in Redis. */
  lastIngest?: () => Promise<LastIngestRecord | undefined>;
}

/** What `mrag ingest` records after each run (see ingest-record.ts). */
export interface LastIngestRecord {
  /** Seconds since the epoch when the run ended. */
  finishedAt: number;
  documents: { added: number; updated: number; unchanged: number; failed: number; pruned: number };
  chunks: { added: number; unchanged: number };
  figures: { added: number; unchanged: number; failed: number };
  totalDocuments: number;
  seconds: number;
}

export interface Metrics {
  readonly registry: Registry;
  readonly questionsReceived: Counter<'platform'>;
  readonly questionsRejected: Counter<'platform' | 'reason'>;
  readonly questionsAnswered: Counter<'platform' | 'mode'>;
  readonly questionsFailed: Counter<'platform'>;
  readonly stageSeconds: Histogram<'stage'>;
  readonly llmFailures: Counter<'kind'>;
  /** Replace what scrape-time gauges read (undefined fields: those gauges report nothing). */
  setSources(sources: MetricSources): void;
}

let shared: Metrics | undefined;

/** The process's metrics (created on first use). */
export function getMetrics(): Metrics {
  shared ??= createMetrics();
  return shared;
}

/** Count one answer that fell back to retrieval-only because of an LLM failure of this kind. */
export function recordLlmFailure(kind: string): void {
  getMetrics().llmFailures.inc({ kind });
}

/** A scrape must answer even with Redis down (its commands wait for a reconnect): give up on a source after this long. */
export const SOURCE_TIMEOUT_MS = 1000;

async function safely<T>(read: (() => Promise<T> | T) | undefined): Promise<T | undefined> {
  if (!read) return undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([
      Promise.resolve().then(read),
      new Promise<undefined>((resolve) => {
        timer = setTimeout(() => resolve(undefined), SOURCE_TIMEOUT_MS);
      }),
    ]);
  } catch {
    return undefined; // Redis down, index unreadable: the gauge is absent rather than /metrics failing
  } finally {
    clearTimeout(timer);
  }
}

/** A fresh registry with every mrag metric (tests; production uses `getMetrics()`). */
export function createMetrics(): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  let sources: MetricSources = {};
  const registers = [registry];

  const questionsReceived = new Counter({ name: 'mrag_questions_received_total', help: 'Questions accepted and enqueued by this bot process.', labelNames: ['platform'], registers });
  const questionsRejected = new Counter({ name: 'mrag_questions_rejected_total', help: 'Questions turned away before the queue (rate_limited, busy, invalid).', labelNames: ['platform', 'reason'], registers });
  const questionsAnswered = new Counter({ name: 'mrag_questions_answered_total', help: 'Answers posted by this worker, by answer mode (llm, retrieval-only).', labelNames: ['platform', 'mode'], registers });
  const questionsFailed = new Counter({ name: 'mrag_questions_failed_total', help: 'Questions that ended in an apology instead of an answer.', labelNames: ['platform'], registers });
  const stageSeconds = new Histogram({
    name: 'mrag_stage_duration_seconds',
    help: 'Duration of each stage of answering: queue_wait (question received → worker starts), condense, retrieve, prompt, generate, post, total.',
    labelNames: ['stage'],
    buckets: STAGE_BUCKETS,
    registers,
  });
  const llmFailures = new Counter({ name: 'mrag_llm_failures_total', help: 'Answers that fell back to retrieval-only, by LLM failure kind.', labelNames: ['kind'], registers });

  new Gauge({
    name: 'mrag_queue_jobs',
    help: 'Jobs in the ask queue by state (the deployment-wide queue: aggregate with max, not sum).',
    labelNames: ['state'],
    registers,
    async collect() {
      this.reset();
      const counts = await safely(sources.queueCounts);
      for (const [state, n] of Object.entries(counts ?? {})) this.set({ state }, n);
    },
  });
  new Gauge({
    name: 'mrag_index_generation',
    help: 'Generation of the index under DATA_DIR (moves after every committed ingest).',
    registers,
    async collect() {
      this.reset();
      const generation = await safely(sources.indexGeneration);
      if (generation !== undefined) this.set(generation);
    },
  });

  // The last ingest run: one read of Redis per scrape, shared by the gauges below.
  let pending: Promise<LastIngestRecord | undefined> | undefined;
  const lastIngest = () => {
    pending ??= safely(sources.lastIngest).finally(() => setTimeout(() => (pending = undefined), 0));
    return pending;
  };
  const ingestGauge = (name: string, help: string, pick: (r: LastIngestRecord) => Record<string, number> | number) =>
    new Gauge({
      name,
      help,
      labelNames: ['outcome'],
      registers,
      async collect() {
        this.reset();
        const record = await lastIngest();
        if (!record) return;
        const value = pick(record);
        if (typeof value === 'number') this.set(value);
        else for (const [outcome, n] of Object.entries(value)) this.set({ outcome }, n);
      },
    });
  ingestGauge('mrag_ingest_last_timestamp_seconds', 'When the last `mrag ingest` run ended (Unix time).', (r) => r.finishedAt);
  ingestGauge('mrag_ingest_last_duration_seconds', 'How long the last `mrag ingest` run took.', (r) => r.seconds);
  ingestGauge('mrag_ingest_last_documents', 'Documents of the last `mrag ingest` run by outcome (added, updated, unchanged, failed, pruned).', (r) => r.documents);
  ingestGauge('mrag_ingest_last_chunks', 'Text chunks of the last `mrag ingest` run by outcome (added, unchanged).', (r) => r.chunks);
  ingestGauge('mrag_ingest_last_figures', 'Figures of the last `mrag ingest` run by outcome (added, unchanged, failed).', (r) => r.figures);
  ingestGauge('mrag_index_documents', 'Documents in the index after the last `mrag ingest` run.', (r) => r.totalDocuments);

  return {
    registry,
    questionsReceived,
    questionsRejected,
    questionsAnswered,
    questionsFailed,
    stageSeconds,
    llmFailures,
    setSources(next) {
      sources = next;
    },
  };
}
