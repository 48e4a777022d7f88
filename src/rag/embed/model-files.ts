/**
 * Where an embedding model's files are and which ones it needs.
 *
 * EMBEDDING_MODEL is either a local directory or a Hub id. Hub models are downloaded by
 * transformers.js into `<DATA_DIR>/cache/models/<id>/` (its file cache keeps the repository
 * layout), so a model directory and a cached Hub model have the same files:
 *
 *   config.json, tokenizer.json, tokenizer_config.json, preprocessor_config.json,
 *   onnx/text_model<suffix>.onnx, onnx/vision_model<suffix>.onnx
 *
 * with <suffix> '' for fp32, '_fp16' for fp16 and '_quantized' for q8 (transformers.js's
 * DEFAULT_DTYPE_SUFFIX_MAPPING).
 */
import { copyFileSync, existsSync, mkdirSync, statSync } from 'node:fs';
import path from 'node:path';

export type EmbeddingDtype = 'fp32' | 'fp16' | 'q8';

/** transformers.js's ONNX file suffix per dtype (utils/dtypes.js, DEFAULT_DTYPE_SUFFIX_MAPPING). */
export const DTYPE_SUFFIX: Record<EmbeddingDtype, string> = { fp32: '', fp16: '_fp16', q8: '_quantized' };

/** Copied along when present; the loader does not need them. */
export const OPTIONAL_MODEL_FILES = ['special_tokens_map.json'];

/** The files a model directory must hold for `dtype` (paths relative to the directory). */
export function requiredModelFiles(dtype: EmbeddingDtype): string[] {
  const suffix = DTYPE_SUFFIX[dtype];
  return ['config.json', 'tokenizer.json', 'tokenizer_config.json', 'preprocessor_config.json', `onnx/text_model${suffix}.onnx`, `onnx/vision_model${suffix}.onnx`];
}

/** Where downloaded Hub models are kept: `<DATA_DIR>/cache/models`. */
export const modelCacheDir = (dataDir: string) => path.join(dataDir, 'cache', 'models');

/** A value written as a path ("/models/clip", "./clip", "..\\clip", "~/clip", "a/b/c") rather than a Hub id ("org/name"). */
export function looksLikePath(value: string): boolean {
  return /^(\/|\.{1,2}([/\\]|$)|~)/.test(value) || value.includes('\\') || value.split('/').length > 2 || path.isAbsolute(value);
}

/** A directory on disk (absolute or relative to the working directory) rather than a Hub id. */
export function isLocalModel(modelIdOrDir: string): boolean {
  const p = path.resolve(modelIdOrDir);
  return existsSync(p) && statSync(p).isDirectory();
}

export interface ModelLocation {
  kind: 'local' | 'hub';
  /** What transformers.js is asked to load: the absolute directory, or the Hub id. */
  ref: string;
  /** Where the files are (local) or are cached (Hub). */
  dir: string;
}

/** Resolve EMBEDDING_MODEL to a directory or a Hub id with its cache directory. */
export function locateModel(modelIdOrDir: string, cacheDir: string): ModelLocation {
  if (isLocalModel(modelIdOrDir) || looksLikePath(modelIdOrDir)) {
    const dir = path.resolve(modelIdOrDir);
    return { kind: 'local', ref: dir, dir };
  }
  return { kind: 'hub', ref: modelIdOrDir, dir: path.join(cacheDir, modelIdOrDir) };
}

export interface ModelFileStatus {
  file: string;
  present: boolean;
  bytes: number;
}

/** Which required files of `dtype` are present in `dir`, and their sizes. */
export function modelFileStatus(dir: string, dtype: EmbeddingDtype): ModelFileStatus[] {
  return requiredModelFiles(dtype).map((file) => {
    const p = path.join(dir, file);
    const present = existsSync(p) && statSync(p).isFile();
    return { file, present, bytes: present ? statSync(p).size : 0 };
  });
}

/** True when every file `dtype` needs is in `dir` (nothing to download). */
export function hasModelFiles(dir: string, dtype: EmbeddingDtype): boolean {
  return modelFileStatus(dir, dtype).every((f) => f.present);
}

/**
 * Copy a model's files (those `dtype` needs, plus the optional ones present) from `fromDir`
 * to `toDir`, keeping the layout. Returns the copied relative paths. Throws when a required
 * file is missing in `fromDir`.
 */
export function copyModelFiles(fromDir: string, toDir: string, dtype: EmbeddingDtype): string[] {
  const missing = modelFileStatus(fromDir, dtype).filter((f) => !f.present);
  if (missing.length > 0) throw new Error(`${fromDir} lacks ${missing.map((f) => f.file).join(', ')}`);
  const files = [...requiredModelFiles(dtype), ...OPTIONAL_MODEL_FILES.filter((f) => existsSync(path.join(fromDir, f)))];
  for (const file of files) {
    mkdirSync(path.dirname(path.join(toDir, file)), { recursive: true });
    copyFileSync(path.join(fromDir, file), path.join(toDir, file));
  }
  return files;
}
