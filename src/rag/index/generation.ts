/**
 * Generations: what a commit publishes and what readers see.
 *
 * Every LanceDB write makes a new table version; an ingest run makes many (one or more per
 * document). A commit records the version of each table in `meta.json` (`versions`, with
 * `generation` + 1, written atomically), and readers check out exactly those versions. So a
 * reader sees whole generations only: not the documents of a run still in progress, not the
 * empty tables of a `--rebuild` that has just begun (it overwrites the tables, i.e. adds
 * versions, while readers keep reading the old ones until the rebuild commits).
 *
 * A writer that finds versions newer than the committed ones (a run that crashed or lost
 * its lock before committing) rolls the tables back to the committed versions first.
 *
 * After each commit's writes, `compactTables` merges small fragments and deletes versions
 * (and the files only they use) older than `graceMs` — but never the committed generation
 * readers may still be on until they reload (they reload at their next search).
 */
import type * as lancedb from '@lancedb/lancedb';
import type { IndexMeta } from './schema.js';

export const TABLE_NAMES = ['chunks', 'figures', 'documents'] as const;
export type IndexTableName = (typeof TABLE_NAMES)[number];
export type IndexTables = Record<IndexTableName, lancedb.Table>;
export type TableVersions = NonNullable<IndexMeta['versions']>;

/**
 * How long replaced versions and unreferenced figure files are kept for readers of the
 * previous generation: 5 minutes. A reader reloads at the start of its next search, so it
 * needs an old version only for a search (or an answer reading its figure files) already
 * under way — seconds; the margin covers slow shared filesystems and loaded machines.
 * Disk use between ingests is the data plus what changed in the last 5 minutes.
 */
export const INDEX_VERSION_GRACE_MS = 5 * 60_000;

/** Check out the committed versions (readers); without recorded versions, the latest. */
export async function checkoutGeneration(tables: IndexTables, versions: TableVersions | undefined): Promise<void> {
  await Promise.all(TABLE_NAMES.map((name) => (versions ? tables[name].checkout(versions[name]) : tables[name].checkoutLatest())));
}

/**
 * Make the committed versions the latest again where a run wrote after them without
 * committing (writers, before writing). Returns the tables that were rolled back.
 */
export async function rollBackUncommitted(tables: IndexTables, versions: TableVersions | undefined): Promise<IndexTableName[]> {
  if (!versions) return [];
  const rolled: IndexTableName[] = [];
  for (const name of TABLE_NAMES) {
    const table = tables[name];
    if ((await table.version()) === versions[name]) continue;
    await table.checkout(versions[name]);
    await table.restore();
    rolled.push(name);
  }
  return rolled;
}

export async function currentVersions(tables: IndexTables): Promise<TableVersions> {
  const [chunks, figures, documents] = await Promise.all(TABLE_NAMES.map((name) => tables[name].version()));
  return { chunks: chunks!, figures: figures!, documents: documents! };
}

export interface CompactionStats {
  /** Table versions deleted (older than the grace period, not the committed generation). */
  versionsRemoved: number;
  bytesRemoved: number;
  /** Small fragments merged into larger ones. */
  fragmentsRemoved: number;
}

/**
 * Compact every table and delete its versions older than `now - graceMs`, keeping the
 * committed versions `pinned` (and everything newer) whatever their age.
 */
export async function compactTables(tables: IndexTables, pinned: TableVersions | undefined, graceMs: number, now = Date.now()): Promise<CompactionStats> {
  const total: CompactionStats = { versionsRemoved: 0, bytesRemoved: 0, fragmentsRemoved: 0 };
  for (const name of TABLE_NAMES) {
    const table = tables[name];
    let olderThan = now - graceMs;
    if (pinned) {
      const committed = (await table.listVersions()).find((v) => v.version === pinned[name]);
      // LanceDB deletes versions at or before the cut-off (its timestamps are finer than ms).
      if (committed) olderThan = Math.min(olderThan, committed.timestamp.getTime() - 1);
    }
    const stats = await table.optimize({ cleanupOlderThan: new Date(olderThan) });
    total.versionsRemoved += stats.prune.oldVersionsRemoved;
    total.bytesRemoved += stats.prune.bytesRemoved;
    total.fragmentsRemoved += stats.compaction.fragmentsRemoved;
  }
  return total;
}
