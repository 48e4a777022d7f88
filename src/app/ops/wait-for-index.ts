/**
 * A worker started before its index exists (Compose starts it beside the ingest service; a
 * fresh shared DATA_DIR) waits for the first committed index instead of exiting — exiting
 * would crash-loop under a restart policy while the bot keeps accepting questions.
 */
import type { Logger } from '../../log.js';
import { indexDir, readIndexMeta } from '../../rag/index/store.js';
import type { IndexMeta } from '../../rag/index/schema.js';

export interface WaitForIndexOptions {
  dataDir: string;
  logger: Logger;
  /** How often to look for the index (default 2 s). */
  intervalMs?: number;
  /** How often to repeat the "still waiting" line (default 60 s). */
  reminderMs?: number;
  signal?: AbortSignal;
}

export const INDEX_WAIT_HINT = 'run `mrag ingest <your documents>` (in Compose: the ingest service, `docker compose run --rm ingest`)';

/** Resolve with the index metadata once `<dataDir>/index` has a committed index. */
export async function waitForIndex(options: WaitForIndexOptions): Promise<IndexMeta> {
  const { dataDir, logger } = options;
  const interval = options.intervalMs ?? 2000;
  const reminder = options.reminderMs ?? 60_000;
  let meta = readIndexMeta(dataDir);
  if (meta) return meta;
  const started = Date.now();
  let lastSaid = started;
  logger.warn({ index: indexDir(dataDir) }, `no index yet: waiting for it (${INDEX_WAIT_HINT}); /readyz reports not ready until then`);
  while (!meta) {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(resolve, interval);
      options.signal?.addEventListener('abort', () => {
        clearTimeout(timer);
        reject(options.signal?.reason instanceof Error ? options.signal.reason : new Error('stopped waiting for the index'));
      }, { once: true });
    });
    meta = readIndexMeta(dataDir);
    if (!meta && Date.now() - lastSaid >= reminder) {
      lastSaid = Date.now();
      logger.info({ index: indexDir(dataDir), waitedSeconds: Math.round((lastSaid - started) / 1000) }, 'still waiting for the index');
    }
  }
  logger.info({ generation: meta.generation, waitedSeconds: Math.round((Date.now() - started) / 1000) }, 'index found: loading it');
  return meta;
}
