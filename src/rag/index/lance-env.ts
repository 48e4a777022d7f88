/**
 * LanceDB's Rust side logs warnings (e.g. "no existing dataset, it will be created") to
 * stderr and reads LANCEDB_LOG when its native module loads. This module is imported
 * before '@lancedb/lancedb' so that the level applies; users can still set LANCEDB_LOG.
 */
process.env.LANCEDB_LOG ??= 'error';
export {};
