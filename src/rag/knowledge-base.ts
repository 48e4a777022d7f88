/**
 * The knowledge base: ingest documents and search them. Placeholder until the
 * knowledge-base issue lands; the signatures below are the contract other modules use.
 */
import type { Config } from '../config/env.js';
import { NotImplementedError } from '../errors.js';
import type { Logger } from '../log.js';
import type { Retriever } from './types.js';

export interface KnowledgeBase extends Retriever {
  readonly info: { model: string; dim: number; documents: number; chunks: number; figures: number };
  close(): Promise<void>;
}

export interface KnowledgeBaseDeps {
  config: Config;
  logger: Logger;
}

/** Open the index under config.dataDir for searching. */
export async function openKnowledgeBase(_deps: KnowledgeBaseDeps): Promise<KnowledgeBase> {
  throw new NotImplementedError('The knowledge base');
}

/** Ingest the shipped data/ articles when no index exists yet (used by `mrag start`). */
export async function ensureKnowledgeBase(_deps: KnowledgeBaseDeps): Promise<void> {
  throw new NotImplementedError('The knowledge base');
}
