/**
 * Model management behind `mrag model pull` and `mrag model info`.
 *
 * pull: download a model into the cache (with progress), check that it loads, optionally copy
 * it to a directory that can be carried to an air-gapped machine, and say which
 * EMBEDDING_MODEL= line to use. info: what is configured, where its files are, their size,
 * and whether it loads from disk (never downloads).
 */
import path from 'node:path';
import type { DownloadProgress } from './download-progress.js';
import { createEmbedder } from './embedder.js';
import type { ModelIdentity } from './identity.js';
import { copyModelFiles, locateModel, modelFileStatus, type EmbeddingDtype, type ModelFileStatus, type ModelLocation } from './model-files.js';

export interface PullOptions {
  /** Hub id or local directory. */
  model: string;
  dtype: EmbeddingDtype;
  /** The Hub cache (`<DATA_DIR>/cache/models`). */
  cacheDir: string;
  /** HF_ENDPOINT. */
  hubEndpoint?: string;
  /** Also copy the model's files to this directory (a self-contained model directory). */
  to?: string;
  onProgress?: (progress: DownloadProgress) => void;
}

export interface PullResult {
  location: ModelLocation;
  identity: ModelIdentity;
  family: string;
  /** Files of the model (in the cache or its directory) and their sizes. */
  files: ModelFileStatus[];
  bytes: number;
  /** The directory the files were copied to (`to`), absolute. */
  copiedTo?: string;
  /** The environment lines that select this model. */
  env: string[];
}

/** Download (when needed) and verify a model; copy it to `to` and verify the copy too. */
export async function pullModel(options: PullOptions): Promise<PullResult> {
  const embedder = await createEmbedder(options.model, { cacheDir: options.cacheDir, dtype: options.dtype, hubEndpoint: options.hubEndpoint, onProgress: options.onProgress });
  const { identity, family } = embedder;
  await embedder.close();
  const location = locateModel(options.model, options.cacheDir);
  const files = modelFileStatus(location.dir, options.dtype);
  let copiedTo: string | undefined;
  if (options.to) {
    copiedTo = path.resolve(options.to);
    copyModelFiles(location.dir, copiedTo, options.dtype);
    const copy = await createEmbedder(copiedTo, { dtype: options.dtype, localOnly: true });
    await copy.close();
    if (copy.identity.fingerprint !== identity.fingerprint || copy.dim !== identity.dim) {
      throw new Error(`the copy in ${copiedTo} does not load as the same model`);
    }
  }
  const env = [`EMBEDDING_MODEL=${copiedTo ?? options.model}`, ...(options.dtype !== 'fp32' ? [`EMBEDDING_DTYPE=${options.dtype}`] : [])];
  return { location, identity, family, files, bytes: files.reduce((s, f) => s + f.bytes, 0), copiedTo, env };
}

export interface ModelInfo {
  model: string;
  dtype: EmbeddingDtype;
  /** HF_ENDPOINT, when set. */
  hubEndpoint?: string;
  location: ModelLocation;
  files: ModelFileStatus[];
  bytes: number;
  /** Every file the dtype needs is on disk. */
  complete: boolean;
  /** Loads from disk (no download attempted). */
  loads: boolean;
  /** Why it does not load. */
  error?: string;
  identity?: ModelIdentity;
  family?: string;
}

/** What is configured, where, how big, and whether it loads from disk. */
export async function modelInfo(options: Omit<PullOptions, 'to' | 'onProgress'>): Promise<ModelInfo> {
  const location = locateModel(options.model, options.cacheDir);
  const files = modelFileStatus(location.dir, options.dtype);
  const info: ModelInfo = {
    model: options.model,
    dtype: options.dtype,
    ...(options.hubEndpoint ? { hubEndpoint: options.hubEndpoint } : {}),
    location,
    files,
    bytes: files.reduce((s, f) => s + f.bytes, 0),
    complete: files.every((f) => f.present),
    loads: false,
  };
  try {
    const embedder = await createEmbedder(options.model, { cacheDir: options.cacheDir, dtype: options.dtype, hubEndpoint: options.hubEndpoint, localOnly: true });
    info.loads = true;
    info.identity = embedder.identity;
    info.family = embedder.family;
    await embedder.close();
  } catch (err) {
    info.error = err instanceof Error ? err.message : String(err);
  }
  return info;
}
