/**
 * RETRIEVAL_LEVEL → the level this process runs at, and the embedding model when it has one.
 *
 *   auto  level 3 when the embedding model loads; otherwise level 2, with one warning line
 *         naming EMBEDDING_MODEL, the reason and the fix (once per process and model)
 *   3     the model must load (a clear error otherwise)
 *   2, 1  no model is loaded at all
 *
 * A Hub model missing from the cache is downloaded on first use, with progress (a bar on a
 * terminal, a log line every 10 % elsewhere).
 */
import type { Config } from '../config/env.js';
import { UserFacingError } from '../errors.js';
import type { Logger } from '../log.js';
import { createProgressRenderer, type DownloadProgress } from './embed/download-progress.js';
import { createEmbedder, type Embedder } from './embed/embedder.js';
import { modelCacheDir } from './embed/model-files.js';
import type { RetrievalLevel } from './types.js';

export interface LevelResolution {
  /** The level asked for: 3 only with an embedder (the searcher may still run at 2 on an index without vectors). */
  level: RetrievalLevel;
  embedder?: Embedder;
  /** True when the embedder was loaded here: the caller closes it. */
  ownsEmbedder: boolean;
  /** At `auto` without a model: why (the warning that was logged). */
  degraded?: string;
}

export interface ResolveLevelDeps {
  config: Config;
  logger: Logger;
  /** An embedder the caller already loaded: level 3 unless RETRIEVAL_LEVEL is 1 or 2. */
  embedder?: Embedder;
  /** Download progress of the model; default: a bar on a terminal stderr, log lines otherwise. */
  onProgress?: (progress: DownloadProgress) => void;
}

/** The fix printed with every "no model" message. */
export const MODEL_FIX =
  'run `mrag model pull` on a machine with internet access and copy the model directory here (docs/air-gapped.md), or set EMBEDDING_MODEL to a local model directory';

/** Failures already reported in this process, by model + dtype + endpoint + cache: warn and try once. */
const failedModels = new Map<string, string>();

const keyOf = (config: Config) => JSON.stringify([config.embedding.model, config.embedding.dtype, config.embedding.hubEndpoint ?? '', modelCacheDir(config.dataDir)]);

/** Load EMBEDDING_MODEL as configured (cache under DATA_DIR, dtype, mirror), showing download progress. */
export async function loadConfiguredEmbedder(config: Config, logger: Logger, onProgress?: (p: DownloadProgress) => void): Promise<Embedder> {
  const renderer = onProgress ? undefined : createProgressRenderer(config.embedding.model, process.stderr.isTTY ? {} : { line: (text) => logger.info(text) });
  try {
    return await createEmbedder(config.embedding.model, {
      cacheDir: modelCacheDir(config.dataDir),
      dtype: config.embedding.dtype,
      hubEndpoint: config.embedding.hubEndpoint,
      onProgress: onProgress ?? ((p) => renderer!.update(p)),
    });
  } finally {
    renderer?.stop();
  }
}

export async function resolveRetrievalLevel(deps: ResolveLevelDeps): Promise<LevelResolution> {
  const { config, logger } = deps;
  const setting = config.retrieval.level;
  if (setting === 1 || setting === 2) return { level: setting, ownsEmbedder: false };
  if (deps.embedder) return { level: 3, embedder: deps.embedder, ownsEmbedder: false };

  const key = keyOf(config);
  const known = failedModels.get(key);
  if (known && setting === 'auto') return { level: 2, ownsEmbedder: false, degraded: known };
  try {
    const embedder = await loadConfiguredEmbedder(config, logger, deps.onProgress);
    return { level: 3, embedder, ownsEmbedder: true };
  } catch (err) {
    if (!(err instanceof UserFacingError) || err.code !== 'embedding_model_unavailable') throw err;
    const reason = err.message.replace(/^Could not load the embedding model "[^"]*" \(EMBEDDING_MODEL\): /, '');
    if (setting === 3) {
      throw new UserFacingError('embedding_model_unavailable', `${err.message}. RETRIEVAL_LEVEL=3 needs it: ${MODEL_FIX}; or set RETRIEVAL_LEVEL=auto to run at level 2 without it.`, { cause: err });
    }
    const warning =
      `EMBEDDING_MODEL "${config.embedding.model}" could not be loaded (${reason}); running at retrieval level 2 ` +
      `(BM25 text search; figures still go to the vision model). For level 3: ${MODEL_FIX}.`;
    failedModels.set(key, warning);
    logger.warn(warning);
    return { level: 2, ownsEmbedder: false, degraded: warning };
  }
}
