/**
 * The last `mrag ingest` run of a deployment, kept in Redis (`<prefix>:ingest:last`, JSON)
 * so that every long-running process can report it at `/metrics` — the ingest itself is a
 * one-shot process that no scraper ever sees. Recording is best effort: without a reachable
 * Redis (a laptop ingest) nothing is recorded and the ingest is not slowed down.
 */
import { Redis } from 'ioredis';
import { z } from 'zod';
import type { Config } from '../../config/env.js';
import type { LastIngestRecord } from '../../metrics.js';

export const ingestRecordKey = (prefix: string) => `${prefix}:ingest:last`;

const count = z.number().int().nonnegative();
const recordSchema = z.object({
  finishedAt: z.number(),
  documents: z.object({ added: count, updated: count, unchanged: count, failed: count, pruned: count }),
  chunks: z.object({ added: count, unchanged: count }),
  figures: z.object({ added: count, unchanged: count, failed: count }),
  totalDocuments: count,
  seconds: z.number().nonnegative(),
});

/** The fields of an ingest summary this module needs (src/rag/ingest's IngestSummary has them). */
export interface IngestRunSummary {
  documents: LastIngestRecord['documents'];
  chunks: LastIngestRecord['chunks'];
  figures: LastIngestRecord['figures'];
  totalDocuments: number;
  /** Milliseconds the run took. */
  ms: number;
}

/** Record a finished ingest run. Returns false (and records nothing) when Redis is not reachable within `timeoutMs`. */
export async function recordIngestRun(config: Pick<Config, 'redis'>, summary: IngestRunSummary, timeoutMs = 2000): Promise<boolean> {
  const record: LastIngestRecord = {
    finishedAt: Date.now() / 1000,
    documents: summary.documents,
    chunks: summary.chunks,
    figures: summary.figures,
    totalDocuments: summary.totalDocuments,
    seconds: summary.ms / 1000,
  };
  const redis = new Redis(config.redis.url, { lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    await Promise.race([
      redis.connect().then(() => redis.set(ingestRecordKey(config.redis.prefix), JSON.stringify(recordSchema.parse(record)))),
      new Promise((_, reject) => (timer = setTimeout(() => reject(new Error('timeout')), timeoutMs))),
    ]);
    return true;
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
    redis.disconnect();
  }
}

/** Read the last run with an open connection; undefined when none was recorded (or the record is unreadable). */
export async function readIngestRun(connection: Redis, prefix: string): Promise<LastIngestRecord | undefined> {
  const raw = await connection.get(ingestRecordKey(prefix));
  if (!raw) return undefined;
  try {
    const parsed = recordSchema.safeParse(JSON.parse(raw));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
