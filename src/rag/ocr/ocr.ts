/**
 * OCR: the text a reader sees inside a figure, with tesseract.js (tesseract's LSTM engine
 * compiled to WebAssembly) and the language data shipped in npm packages (traineddata.ts),
 * so it works offline.
 *
 *   const ocr = createOcr({ langs: 'eng', cacheDir: '<DATA_DIR>/cache/ocr' });
 *   const { text } = await ocr.recognize({ bytes, hash }); // bytes: a normalised PNG/JPEG
 *   await ocr.close();
 *
 * Off the event loop: tesseract.js runs each of its Node workers in a worker thread; a small
 * pool (one worker per core, at most 4) takes jobs from a scheduler, so figures of a document
 * are read in parallel. Workers start on the first cache miss and stop at `close()`.
 * Results are cached by image hash (ocr-cache.ts): a re-ingest never OCRs twice.
 */
import os from 'node:os';
import sharp from 'sharp';
import { createScheduler, createWorker, OEM, PSM, type Scheduler } from 'tesseract.js';
import { OcrCache } from './ocr-cache.js';
import { languageSource } from './traineddata.js';

/** Bump when preprocessing or word filtering changes: cached results are then recomputed. */
export const OCR_VERSION = '1';
/** Words tesseract is less sure of than this (0–100) are noise: strokes, arrows, icons read as letters. */
export const MIN_WORD_CONFIDENCE = 60;
/**
 * Text in figures is small: tesseract reads best with x-heights of 20+ px, so an image is
 * scaled up 2× (less once its longer side passes 1200 px), and very large ones down to 4000.
 * Measured here on the shipped figures and the field diagrams at 1–3×: at 1× boxed labels were
 * missed entirely, 2× (with `user_defined_dpi` 300) read every label, 3× lost some again.
 */
const UPSCALE = 2;
const UPSCALE_UNTIL_LONG_SIDE = 2400;
const MAX_LONG_SIDE = 4000;

export interface OcrImage {
  /** Normalised image bytes (PNG/JPEG, sRGB, no alpha). */
  bytes: Uint8Array;
  /** sha256 hex of `bytes` (the cache key). */
  hash: string;
}

export interface OcrResult {
  /** Recognised words, a line per text line ('' when none). */
  text: string;
  words: number;
  /** Mean confidence (0–100) of the kept words; 0 when none. */
  confidence: number;
  /** True when the result came from the cache. */
  cached: boolean;
  /** Time spent recognising (0 for a cache hit). */
  ms: number;
}

export interface OcrEngine {
  readonly langs: string;
  recognize(image: OcrImage): Promise<OcrResult>;
  /** Figures actually recognised (not cached) and the time they took, for the summary and the bench. */
  readonly stats: { recognised: number; cached: number; ms: number };
  close(): Promise<void>;
}

export interface OcrOptions {
  /** tesseract language codes joined by '+' (OCR_LANGS). */
  langs: string;
  /** Cache directory; no cache when absent. */
  cacheDir?: string;
  /** Worker threads (default: one per core, at most 4). */
  workers?: number;
}

export const defaultOcrWorkers = () => Math.max(1, Math.min(os.availableParallelism(), 4));

/** Greyscale, scaled so that small text has enough pixels; PNG for tesseract. */
async function prepare(bytes: Uint8Array): Promise<Buffer> {
  const meta = await sharp(bytes).metadata();
  const longSide = Math.max(meta.width ?? 1, meta.height ?? 1);
  const scale = Math.min(UPSCALE, Math.max(UPSCALE_UNTIL_LONG_SIDE / longSide, 1), MAX_LONG_SIDE / longSide);
  const width = Math.max(1, Math.round((meta.width ?? 1) * scale));
  return sharp(bytes).greyscale().resize({ width, kernel: 'lanczos3' }).png({ compressionLevel: 1 }).toBuffer();
}

interface TessWord {
  text: string;
  confidence: number;
}
interface TessLine {
  words: TessWord[];
}
interface TessBlock {
  paragraphs: Array<{ lines: TessLine[] }>;
}

/** Keep confident words that contain a letter or digit; a line of text per tesseract line. */
export function wordsToText(blocks: TessBlock[] | null | undefined): { text: string; words: number; confidence: number } {
  const lines: string[] = [];
  let words = 0;
  let sum = 0;
  for (const block of blocks ?? []) {
    for (const paragraph of block.paragraphs) {
      for (const line of paragraph.lines) {
        const kept = line.words.filter((w) => w.confidence >= MIN_WORD_CONFIDENCE && /[\p{L}\p{N}]/u.test(w.text));
        if (kept.length === 0) continue;
        lines.push(kept.map((w) => w.text).join(' '));
        words += kept.length;
        sum += kept.reduce((s, w) => s + w.confidence, 0);
      }
    }
  }
  return { text: lines.join('\n'), words, confidence: words ? Math.round(sum / words) : 0 };
}

export function createOcr(options: OcrOptions): OcrEngine {
  const cache = options.cacheDir ? new OcrCache(options.cacheDir, OCR_VERSION) : undefined;
  const size = options.workers ?? defaultOcrWorkers();
  const stats = { recognised: 0, cached: 0, ms: 0 };
  let pool: Promise<Scheduler> | undefined;
  let closed = false;

  const start = async (): Promise<Scheduler> => {
    const source = languageSource(options.langs);
    const scheduler = createScheduler();
    try {
      const workers = await Promise.all(
        Array.from({ length: size }, () =>
          // cacheMethod 'none': never write traineddata copies to the working directory.
          createWorker(source.langs as string, OEM.LSTM_ONLY, { langPath: source.langPath, gzip: true, cacheMethod: 'none' }),
        ),
      );
      for (const worker of workers) {
        // debug_file: tesseract's own diagnostics ("Detected 44 diacritics") would otherwise be
        // printed on stdout, in the middle of `mrag ingest`'s summary.
        await worker.setParameters({ tessedit_pageseg_mode: PSM.AUTO, user_defined_dpi: '300', debug_file: '/dev/null' });
        scheduler.addWorker(worker);
      }
    } catch (err) {
      await scheduler.terminate().catch(() => undefined);
      throw err;
    }
    return scheduler;
  };

  return {
    langs: options.langs,
    stats,
    async recognize(image) {
      if (closed) throw new Error('OCR engine closed');
      const hit = cache?.get(image.hash, options.langs);
      if (hit) {
        stats.cached++;
        return { text: hit.text, words: hit.words, confidence: hit.confidence, cached: true, ms: 0 };
      }
      pool ??= start();
      const scheduler = await pool;
      const started = performance.now();
      const input = await prepare(image.bytes);
      const { data } = await scheduler.addJob('recognize', input, {}, { text: false, blocks: true });
      const result = wordsToText(data.blocks as TessBlock[] | null);
      const ms = performance.now() - started;
      stats.recognised++;
      stats.ms += ms;
      cache?.set(image.hash, options.langs, result);
      return { ...result, cached: false, ms };
    },
    async close() {
      closed = true;
      const running = pool;
      pool = undefined;
      if (running) await (await running.catch(() => undefined))?.terminate();
    },
  };
}
