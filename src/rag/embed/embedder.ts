/**
 * CLIP embeddings through the real transformers.js classes. Text and images land in the
 * same space; every vector is L2-normalised so that a dot product is a cosine similarity.
 *
 *   const embedder = await createEmbedder('Xenova/clip-vit-base-patch16'); // or a local dir
 *   const [v] = await embedder.embedTexts(['how does retrieval work?']);
 */
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import {
  AutoProcessor,
  AutoTokenizer,
  CLIPTextModelWithProjection,
  CLIPVisionModelWithProjection,
  RawImage,
  env,
  type PreTrainedTokenizer,
  type Processor,
  type PreTrainedModel,
  type Tensor,
} from '@huggingface/transformers';
import { UserFacingError } from '../../errors.js';
import { l2normalize } from './vector.js';

/** CLIP's text encoder sees at most 77 tokens, <|startoftext|> and <|endoftext|> included. */
export const CLIP_MAX_TOKENS = 77;

export interface EmbedderOptions {
  /** Texts per forward pass (default 16). */
  textBatchSize?: number;
  /** Images per forward pass (default 8). */
  imageBatchSize?: number;
  /** Where downloaded Hub models are cached (default: the library's own cache). */
  cacheDir?: string;
}

export interface Embedder {
  /** The model id or the absolute path of the local model directory. */
  readonly modelId: string;
  /** Length of every embedding vector. */
  readonly dim: number;
  /** Token budget of one text window, special tokens included (77 for CLIP). */
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

/** A directory on disk (absolute or relative to the working directory) rather than a Hub id. */
export function isLocalModel(modelIdOrDir: string): boolean {
  const p = path.resolve(modelIdOrDir);
  return existsSync(p) && statSync(p).isDirectory();
}

function rowsOf(tensor: Tensor): Float32Array[] {
  const [n, dim] = tensor.dims as [number, number];
  const data = tensor.data as Float32Array;
  const rows: Float32Array[] = [];
  for (let i = 0; i < n; i++) rows.push(l2normalize(Float32Array.from(data.subarray(i * dim, (i + 1) * dim))));
  return rows;
}

/** Runs calls one at a time: model sessions are shared, and overlapping runs only fight for the same 2 cores. */
function serial() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(fn: () => Promise<T>): Promise<T> => {
    const run = tail.then(fn, fn);
    tail = run.catch(() => undefined);
    return run;
  };
}

export async function createEmbedder(modelIdOrDir: string, options: EmbedderOptions = {}): Promise<Embedder> {
  const local = isLocalModel(modelIdOrDir);
  const modelId = local ? path.resolve(modelIdOrDir) : modelIdOrDir;
  const previousRemote = env.allowRemoteModels;
  if (local) {
    env.allowLocalModels = true;
    env.allowRemoteModels = false;
  }
  if (options.cacheDir) env.cacheDir = options.cacheDir;

  let tokenizer: PreTrainedTokenizer;
  let processor: Processor;
  let textModel: PreTrainedModel;
  let visionModel: PreTrainedModel;
  try {
    tokenizer = await AutoTokenizer.from_pretrained(modelId);
    processor = await AutoProcessor.from_pretrained(modelId);
    textModel = await CLIPTextModelWithProjection.from_pretrained(modelId, { dtype: 'fp32' });
    visionModel = await CLIPVisionModelWithProjection.from_pretrained(modelId, { dtype: 'fp32' });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new UserFacingError(
      'embedding_model_unavailable',
      `Could not load the embedding model "${modelIdOrDir}" (EMBEDDING_MODEL): ${reason.split('\n')[0]}`,
      { cause: err },
    );
  } finally {
    if (local) env.allowRemoteModels = previousRemote;
  }

  const textBatch = options.textBatchSize ?? 16;
  const imageBatch = options.imageBatchSize ?? 8;
  const run = serial();
  const maxTokens = Math.min(CLIP_MAX_TOKENS, tokenizer.model_max_length || CLIP_MAX_TOKENS);

  async function embedTextBatch(texts: string[]): Promise<Float32Array[]> {
    const inputs = tokenizer(texts, { padding: true, truncation: true, max_length: maxTokens });
    const out = (await run(() => textModel(inputs))) as { text_embeds: Tensor };
    return rowsOf(out.text_embeds);
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
    const out = (await run(() => visionModel(inputs))) as { image_embeds: Tensor };
    return rowsOf(out.image_embeds);
  }

  async function inBatches<T>(items: T[], size: number, fn: (batch: T[]) => Promise<Float32Array[]>): Promise<Float32Array[]> {
    const out: Float32Array[] = [];
    for (let i = 0; i < items.length; i += size) out.push(...(await fn(items.slice(i, i + size))));
    return out;
  }

  const tokenize = (text: string) => tokenizer.encode(text, { add_special_tokens: false });
  const probe = await embedTextBatch(['a']);

  return {
    modelId,
    dim: probe[0]!.length,
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
