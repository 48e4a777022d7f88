/**
 * A bounded work queue with in-order results, for ingest's overlap of CPU-bound stages:
 * while one document is being embedded (onnxruntime threads), the next ones are parsed,
 * their figures normalised (libvips threads) and read by OCR (tesseract worker threads),
 * so both cores stay busy (bench/ingest.ts measures it against one document at a time).
 *
 *   await runInOrder(items, { concurrency: 2 }, prepare, settle);
 *
 * - `work(item, i)` runs for at most `concurrency` items at once; it never starts more than
 *   `concurrency + lookahead` items past the oldest unsettled one, so memory stays bounded
 *   even when one item is slow.
 * - `settle(outcome, item, i)` is called one at a time in input order (writes to the index
 *   happen in the order of the inputs, as before).
 * - A failing `work` fails alone: its outcome is `{ ok: false, error }`; the others go on.
 *   A throwing `settle` stops the queue (no new work starts) and `runInOrder` rejects
 *   after the work already started has finished.
 */

export type Outcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

export interface WorkQueueOptions {
  /** Items worked on at once (≥ 1). */
  concurrency: number;
  /** Finished items that may wait for an earlier one to settle (default: concurrency). */
  lookahead?: number;
}

/** Items in flight by default: one per core, at least 2 (so that waits on I/O overlap), at most 4. */
export const defaultIngestConcurrency = (cores: number) => Math.min(4, Math.max(2, cores));

export async function runInOrder<T, R>(
  items: readonly T[],
  options: WorkQueueOptions,
  work: (item: T, index: number) => Promise<R>,
  settle: (outcome: Outcome<R>, item: T, index: number) => Promise<void> | void,
): Promise<void> {
  const concurrency = Math.max(1, Math.floor(options.concurrency));
  const window = concurrency + Math.max(0, Math.floor(options.lookahead ?? concurrency));
  const outcomes = new Map<number, Promise<Outcome<R>>>();
  let started = 0;
  let running = 0;
  let settled = 0;
  let stopped = false;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };

  const startMore = () => {
    while (!stopped && started < items.length && running < concurrency && started < settled + window) {
      const index = started++;
      running++;
      const outcome = Promise.resolve()
        .then(() => work(items[index]!, index))
        .then(
          (value): Outcome<R> => ({ ok: true, value }),
          (error: unknown): Outcome<R> => ({ ok: false, error }),
        )
        .finally(() => {
          running--;
          startMore();
          notify();
        });
      outcomes.set(index, outcome);
    }
  };

  try {
    startMore();
    while (settled < items.length) {
      const next = outcomes.get(settled);
      if (!next) {
        await new Promise<void>((resolve) => (wake = resolve));
        continue;
      }
      const outcome = await next;
      outcomes.delete(settled);
      await settle(outcome, items[settled]!, settled);
      settled++;
      startMore();
    }
  } catch (err) {
    stopped = true;
    await Promise.allSettled(outcomes.values());
    throw err;
  }
}

/**
 * Stable-sort summary entries (`source` = "<document> › <part>") by their document's position
 * in `sources`, so that notes written by documents worked on at once read in input order.
 */
export function inInputOrder<E extends { source: string }>(entries: E[], sources: readonly string[]): E[] {
  const position = new Map(sources.map((s, i) => [s, i]));
  const rank = (e: E) => position.get(e.source.split(' › ')[0]!) ?? sources.length;
  return entries.map((e, i) => ({ e, i, r: rank(e) })).sort((a, b) => a.r - b.r || a.i - b.i).map(({ e }) => e);
}
