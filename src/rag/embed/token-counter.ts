/**
 * Token counts for chunking when the embedding model is not loaded (retrieval level 1 or 2,
 * or `auto` without the model), so that the chunks fit the model's text window once it
 * embeds them (the upgrade to level 3):
 *
 * - **the model's own tokenizer** when its files are on disk (tokenizer.json and
 *   tokenizer_config.json in the EMBEDDING_MODEL directory or the Hub cache under DATA_DIR,
 *   e.g. a half-finished download, or a model whose ONNX files are missing): exact;
 * - otherwise **an estimate that over-counts**: CLIP's own pre-tokenizer pieces (its regex:
 *   letter runs, single digits, punctuation runs, English contractions), then one token per
 *   3 ASCII letters (CLIP's 49,408-token BPE vocabulary holds most English words whole, and
 *   splits rare ones into pieces of 3 or more letters), one per digit and per punctuation
 *   mark, and one per UTF-8 byte for other scripts (the most a byte-level BPE can make).
 *   Windows made this way hold about 35–40 English words where CLIP's tokenizer fits about
 *   55; the embedder still never cuts text (a chunk longer than its window is embedded as
 *   the mean of its windows, ingest/embed-step.ts).
 *
 * The window (special tokens included) is the family's: 77 for CLIP, 64 for SigLIP — read
 * from the model's config.json when present, else guessed from EMBEDDING_MODEL's name.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { AutoTokenizer } from '@huggingface/transformers';
import { locateModel } from './model-files.js';
import { modelFamily } from './model-family.js';

export interface ChunkTokenCounter {
  countTokens(text: string): number;
  /** Window of the text encoder, special tokens included. */
  maxTokens: number;
  /** True when counted by the model's own tokenizer. */
  exact: boolean;
}

/** CLIP's pre-tokenizer pattern (its tokenizer.json `Split` regex), without the special tokens. */
const CLIP_PIECES = /'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/gu;
/** ASCII letters per estimated token. */
const LETTERS_PER_TOKEN = 3;

const utf8Bytes = (s: string) => Buffer.byteLength(s, 'utf8');

/** The estimate described in the module comment (special tokens excluded). */
export function estimateTokens(text: string): number {
  let n = 0;
  for (const [piece] of text.toLowerCase().matchAll(CLIP_PIECES)) {
    if (piece.startsWith("'") && piece.length <= 3) n += 1;
    else if (/^[a-z]+$/.test(piece)) n += Math.ceil(piece.length / LETTERS_PER_TOKEN);
    else if (/^[\x21-\x7e]+$/.test(piece)) n += piece.length; // digits (one piece each) and ASCII punctuation
    else n += utf8Bytes(piece);
  }
  return n;
}

function windowOf(dir: string, modelIdOrDir: string): number {
  try {
    const config = JSON.parse(readFileSync(path.join(dir, 'config.json'), 'utf8')) as { model_type?: string };
    const family = modelFamily(config.model_type);
    if (family) return family.defaultMaxTokens;
  } catch {
    // no config.json: guess from the name
  }
  return /siglip/i.test(modelIdOrDir) ? 64 : 77;
}

/**
 * The token counter for EMBEDDING_MODEL without loading the model (see the module comment).
 * `cacheDir` is where Hub models are cached (modelCacheDir(DATA_DIR)). Never throws: a
 * tokenizer that does not load falls back to the estimate.
 */
export async function loadTokenCounter(modelIdOrDir: string, cacheDir: string): Promise<ChunkTokenCounter> {
  const location = locateModel(modelIdOrDir, cacheDir);
  const maxTokens = windowOf(location.dir, modelIdOrDir);
  if (existsSync(path.join(location.dir, 'tokenizer.json')) && existsSync(path.join(location.dir, 'tokenizer_config.json'))) {
    try {
      const tokenizer = await AutoTokenizer.from_pretrained(location.dir, { local_files_only: true });
      const stated = tokenizer.model_max_length;
      const window = Number.isFinite(stated) && stated > 0 && stated < maxTokens ? stated : maxTokens;
      return { countTokens: (text) => tokenizer.encode(text, { add_special_tokens: false }).length, maxTokens: window, exact: true };
    } catch {
      // unreadable tokenizer files: estimate
    }
  }
  return { countTokens: estimateTokens, maxTokens, exact: false };
}
