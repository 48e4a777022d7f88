/**
 * LanceDB's Rust side logs warnings (e.g. "no existing dataset, it will be created") to
 * stderr and reads LANCEDB_LOG when its native module loads. This module is imported
 * before '@lancedb/lancedb' so that the level applies; users can still set LANCEDB_LOG.
 */
process.env.LANCEDB_LOG ??= 'error';
/**
 * LanceDB 0.31's full-text index build deadlocks on larger tables with its default write queue
 * (seen here: 100k rows of 40 words from a 20k-word vocabulary hung for good, every thread
 * asleep; 20k rows did not). A queue of 64 already built it in 1.1 s, 4096 built 300k rows in
 * 3.2 s (bench/search.ts needs it at 100k and 1M rows).
 */
process.env.LANCE_FTS_WRITE_QUEUE_SIZE ??= '4096';
export {};
