/**
 * Text and image embeddings of a dual encoder (CLIP or SigLIP family, see model-family.ts)
 * through the real transformers.js classes. Text and images land in the same space; every
 * vector is L2-normalised so that a dot product is a cosine similarity.
 *
 *   const embedder = await createEmbedder('Xenova/clip-vit-base-patch16'); // or a local dir
 *   const [v] = await embedder.embedTexts(['how does retrieval work?']);
 *
 * A Hub model missing from the cache is downloaded (from `hubEndpoint` when set: HF_ENDPOINT),
 * with progress reported through `onProgress`.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  AutoConfig,
  AutoProcessor,
  AutoTokenizer,
  RawImage,
  env,
  type PreTrainedModel,
  type PreTrainedTokenizer,
  type Processor,
  type Tensor,
} from '@huggingface/transformers';
import { UserFacingError } from '../../errors.js';
import { DownloadTracker, type DownloadProgress, type TransformersProgressEvent } from './download-progress.js';
import { localModelName, readModelConfig, type ModelIdentity } from './identity.js';
import { SUPPORTED_MODEL_TYPES, modelFamily, type ModelFamily } from './model-family.js';
import { hasModelFiles, locateModel, modelFileStatus, requiredModelFiles, type EmbeddingDtype, type ModelLocation } from './model-files.js';
import { l2normalize } from './vector.js';

export { isLocalModel } from './model-files.js';

/** CLIP's text encoder sees at most 77 tokens, <|startoftext|> and <|endoftext|> included. */
export const CLIP_MAX_TOKENS = 77;

/** transformers.js's own default Hub address, restored when HF_ENDPOINT is unset. */
const DEFAULT_REMOTE_HOST = env.remoteHost;

export interface EmbedderOptions {
  /** Texts per forward pass (default 16). */
  textBatchSize?: number;
  /** Images per forward pass (default 8). */
  imageBatchSize?: number;
  /** Where downloaded Hub models are cached (default: the library's own cache). */
  cacheDir?: string;
  /** Weights variant (EMBEDDING_DTYPE; default fp32). */
  dtype?: EmbeddingDtype;
  /** Hub mirror base URL (HF_ENDPOINT); default transformers.js's own. */
  hubEndpoint?: string;
  /** Never download: load from the directory or the cache only. */
  localOnly?: boolean;
  /** Download progress (only called when something is actually downloaded). */
  onProgress?: (progress: DownloadProgress) => void;
  /**
   * onnxruntime threads per encoder session: `intraOp` splits one operator (a matmul) across
   * threads, `interOp` runs independent operators at once (onnxruntime's
   * `intraOpNumThreads` / `interOpNumThreads`). Default: onnxruntime's own (intra-op = the
   * physical cores). `spinning: false` makes idle pool threads sleep instead of spin-waiting
   * (onnxruntime's `session.intra_op.allow_spinning` = 0), leaving the core to other work
   * such as OCR during ingest. bench/model.ts and bench/ingest.ts measure these.
   */
  threads?: { intraOp?: number; interOp?: number; spinning?: boolean };
}

export interface Embedder {
  /** The Hub id, or the absolute path of the local model directory (where it was loaded from). */
  readonly modelId: string;
  /** What the index records: readable id, dimension, config fingerprint (no path). */
  readonly identity: ModelIdentity;
  readonly family: ModelFamily['name'];
  readonly dtype: EmbeddingDtype;
  /** Length of every embedding vector. */
  readonly dim: number;
  /** Token budget of one text window, special tokens included (77 for CLIP, 64 for SigLIP). */
  readonly maxTokens: number;
  /** Token ids of `text` without the special start/end tokens. */
  tokenize(text: string): number[];
  /** Number of tokens of `text`, special tokens excluded. */
  countTokens(text: string): number;
  /** Unit-length embeddings, one per text, in order. Texts longer than maxTokens are truncated by the tokenizer. */
  embedTexts(texts: string[]): Promise<Float32Array[]>;
  /** Unit-length embeddings, one per encoded image (PNG, JPEG, WebP, GIF…). Throws `image_unreadable` on bad bytes. */
  embedImages(images: Uint8Array[]): Promise<Float32Array[]>;
  close(): Promise<void>;
}

function rowsOf(tensor: Tensor): Float32Array[] {
  const [n, dim] = tensor.dims as [number, number];
  const data = tensor.data as Float32Array;
  const rows: Float32Array[] = [];
  for (let i = 0; i < n; i++) rows.push(l2normalize(Float32Array.from(data.subarray(i * dim, (i + 1) * dim))));
  return rows;
}

/** Runs calls one at a time: model sessions are shared, and overlapping runs only fight for the same cores. */
function serial() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

/** Why loading failed, in one line a user can act on. */
export function loadFailureReason(err: unknown, location: ModelLocation): string {
  const message = (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : '';
  if (location.kind === 'local') return `${message}`;
  if (/fetch failed/i.test(message) || /ENOTFOUND|ECONNREFUSED|EAI_AGAIN|ETIMEDOUT|ENETUNREACH/.test(`${message} ${cause}`)) {
    return `the model is not in the cache (${location.dir}) and the model hub is unreachable (fetch failed)`;
  }
  return message;
}

function configureHub(options: EmbedderOptions): void {
  if (options.cacheDir) env.cacheDir = options.cacheDir;
  const endpoint = options.hubEndpoint ?? DEFAULT_REMOTE_HOST;
  env.remoteHost = endpoint.endsWith('/') ? endpoint : `${endpoint}/`;
}

export async function createEmbedder(modelIdOrDir: string, options: EmbedderOptions = {}): Promise<Embedder> {
  configureHub(options);
  const dtype = options.dtype ?? 'fp32';
  const location = locateModel(modelIdOrDir, env.cacheDir ?? path.resolve('.cache'));
  const unavailable = (reason: string, cause?: unknown) =>
    new UserFacingError('embedding_model_unavailable', `Could not load the embedding model "${modelIdOrDir}" (EMBEDDING_MODEL): ${reason}`, { cause });
  if (location.kind === 'local' || options.localOnly) {
    const missing = modelFileStatus(location.dir, dtype).filter((f) => !f.present).map((f) => f.file);
    if (location.kind === 'local' && !existsSync(location.dir)) throw unavailable(`there is no directory ${location.dir}`);
    if (missing.length > 0) {
      const where = location.kind === 'local' ? `the directory ${location.dir}` : `the cache (${location.dir}); run \`mrag model pull\``;
      throw unavailable(`${missing.join(', ')} missing in ${where} (EMBEDDING_DTYPE=${dtype}; docs/air-gapped.md lists the files a model needs)`);
    }
  }
  const downloading = location.kind === 'hub' && !options.localOnly && !hasModelFiles(location.dir, dtype);
  const tracker = downloading && options.onProgress ? new DownloadTracker(options.onProgress, requiredModelFiles(dtype).length) : undefined;
  const load = {
    local_files_only: location.kind === 'local' || options.localOnly === true,
    ...(tracker ? { progress_callback: (e: TransformersProgressEvent) => tracker.handle(e) } : {}),
  };
  const sessionOptions = {
    ...(options.threads?.intraOp ? { intraOpNumThreads: options.threads.intraOp } : {}),
    ...(options.threads?.interOp ? { interOpNumThreads: options.threads.interOp } : {}),
    ...(options.threads?.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' }, inter_op: { allow_spinning: '0' } } } } : {}),
  };
  const model = { ...load, dtype, ...(Object.keys(sessionOptions).length > 0 ? { session_options: sessionOptions } : {}) };

  let family: ModelFamily | undefined;
  let tokenizer: PreTrainedTokenizer;
  let processor: Processor;
  let textModel: PreTrainedModel;
  let visionModel: PreTrainedModel;
  try {
    const config = await AutoConfig.from_pretrained(location.ref, load);
    family = modelFamily(config.model_type ?? undefined);
    if (!family) {
      throw new Error(`its model_type "${config.model_type}" is not a supported dual encoder (supported: ${SUPPORTED_MODEL_TYPES.join(', ')})`);
    }
    // In parallel, so that every file's size is known early (one progress total) and
    // downloads overlap.
    const parts = await Promise.allSettled([
      AutoTokenizer.from_pretrained(location.ref, load),
      AutoProcessor.from_pretrained(location.ref, load),
      family.textModel.from_pretrained(location.ref, model),
      family.visionModel.from_pretrained(location.ref, model),
    ] as const);
    const failed = parts.find((p) => p.status === 'rejected');
    if (failed) {
      // Free the sessions that did load before reporting the first failure.
      for (const part of parts.slice(2)) if (part.status === 'fulfilled') await (part.value as PreTrainedModel).dispose();
      throw failed.reason;
    }
    const value = <T>(p: PromiseSettledResult<T>) => (p as PromiseFulfilledResult<T>).value;
    [tokenizer, processor, textModel, visionModel] = [value(parts[0]), value(parts[1]), value(parts[2]), value(parts[3])];
  } catch (err) {
    throw unavailable(loadFailureReason(err, location), err);
  }
  const f = family;
  const textBatch = options.textBatchSize ?? 16;
  const imageBatch = options.imageBatchSize ?? 8;
  const run = serial();
  const stated = tokenizer.model_max_length;
  const maxTokens = Number.isFinite(stated) && stated > 0 && stated < 10_000 ? Math.min(stated, f.defaultMaxTokens) : f.defaultMaxTokens;

  async function embedTextBatch(texts: string[]): Promise<Float32Array[]> {
    const inputs = tokenizer(texts, { padding: f.padding, truncation: true, max_length: maxTokens });
    const out = (await run(() => textModel(inputs))) as Record<string, Tensor>;
    return rowsOf(out[f.textOutput]!);
  }

  async function decode(bytes: Uint8Array, index: number): Promise<RawImage> {
    try {
      return await RawImage.fromBlob(new Blob([bytes]));
    } catch (err) {
      throw new UserFacingError('image_unreadable', `Image ${index + 1} could not be decoded (not a supported image, or corrupt).`, { cause: err });
    }
  }

  async function embedImageBatch(images: Uint8Array[]): Promise<Float32Array[]> {
    const decoded = await Promise.all(images.map(decode));
    const inputs = await processor(decoded);
    const out = (await run(() => visionModel(inputs))) as Record<string, Tensor>;
    return rowsOf(out[f.imageOutput]!);
  }

  async function inBatches<T>(items: T[], size: number, fn: (batch: T[]) => Promise<Float32Array[]>): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < items.length; i += size) out.push(...(await fn(items.slice(i, i + size))));
    return out;
  }

  const tokenize = (text: string) => tokenizer.encode(text, { add_special_tokens: false });
  const dim = (await embedTextBatch(['a']))[0]!.length;
  // The raw config.json (in the directory, or in the cache after a download) gives the fingerprint.
  const raw = readModelConfig(location.dir);
  const identity: ModelIdentity = {
    id: location.kind === 'hub' ? location.ref : localModelName(location.dir, raw?.config),
    dim,
    ...(raw ? { fingerprint: raw.fingerprint } : {}),
  };

  return {
    modelId: location.ref,
    identity,
    family: f.name,
    dtype,
    dim,
    maxTokens,
    tokenize,
    countTokens: (text) => tokenize(text).length,
    embedTexts: (texts) => inBatches(texts, textBatch, embedTextBatch),
    embedImages: (images) => inBatches(images, imageBatch, embedImageBatch),
    async close() {
      await Promise.all([textModel.dispose(), visionModel.dispose()]);
    },
  };
}
