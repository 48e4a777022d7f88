/**
 * The checks every reader and writer of the index makes before trusting its vectors: the
 * stored layout is the current one, and the configured embedding model is the one the
 * vectors came from (vectors of two models are not comparable). Models are compared by
 * identity (embed/identity.ts), so the same model in another directory or on another
 * machine is accepted.
 */
import path from 'node:path';
import { UserFacingError } from '../../errors.js';
import { describeModel, localModelName, readModelConfig, sameModel, type ModelIdentity } from '../embed/identity.js';
import { isLocalModel, modelCacheDir } from '../embed/model-files.js';
import { INDEX_SCHEMA_VERSION, type IndexMeta } from './schema.js';

export function assertIndexLayout(meta: IndexMeta): void {
  if (meta.schemaVersion !== INDEX_SCHEMA_VERSION) {
    throw new UserFacingError('index_outdated', `The index was built by an older mrag-bot (layout ${meta.schemaVersion}, now ${INDEX_SCHEMA_VERSION}): re-ingest with \`mrag ingest --rebuild\`.`);
  }
}

/** A model as the checks see it: identity, plus where it was loaded from (for indexes of older versions, which recorded that). */
export interface ModelUnderTest {
  id: string;
  dim?: number;
  fingerprint?: string;
  /** The directory or Hub id it was loaded from. */
  ref?: string;
}

/**
 * Throws `index_model_mismatch` (one line, naming both models and the fix) unless `current`
 * is the model the index's vectors came from. An index without vectors accepts any model.
 * `configured` is EMBEDDING_MODEL as the user wrote it, for the message.
 */
export function assertSameModel(meta: IndexMeta, current: ModelUnderTest, configured = current.ref ?? current.id): void {
  assertIndexLayout(meta);
  if (meta.model === undefined) return;
  if (sameModel(meta, current)) return;
  throw new UserFacingError(
    'index_model_mismatch',
    `The index was built with ${describeModel(meta)}, but EMBEDDING_MODEL is ${configured} (${describeModel({ ...current, id: current.id })}): ` +
      're-ingest with `mrag ingest --rebuild <paths>` or set EMBEDDING_MODEL back.',
  );
}

/**
 * The identity of a model named by a string (a directory, or a Hub id whose files may be in
 * the cache under `dataDir`) when only its vector length is known: the config.json found
 * gives the fingerprint. Used by callers that pass `embedder.modelId`.
 */
export function identityOfModel(model: string, dim: number, dataDir: string): ModelIdentity {
  const local = isLocalModel(model);
  const dir = local ? path.resolve(model) : path.join(modelCacheDir(dataDir), model);
  const config = readModelConfig(dir);
  return { id: local ? localModelName(dir, config?.config) : model, dim, ...(config ? { fingerprint: config.fingerprint } : {}) };
}
