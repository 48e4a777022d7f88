/**
 * OCR results on disk, keyed by the image's content hash and the languages, so that a
 * re-ingest (or the same image in another document) never runs OCR twice:
 * `<dir>/<first 2 hex>/<sha256>.<langs>.json`. A file that does not parse is a miss.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';

const entrySchema = z.object({
  v: z.string(),
  text: z.string(),
  words: z.number().int().nonnegative(),
  confidence: z.number(),
});
export type OcrCacheEntry = z.infer<typeof entrySchema>;

export class OcrCache {
  /**
   * @param dir cache directory (e.g. `<DATA_DIR>/cache/ocr`)
   * @param version changes whenever preprocessing or filtering changes, invalidating old entries
   */
  constructor(
    private readonly dir: string,
    private readonly version: string,
  ) {}

  private file(hash: string, langs: string): string {
    return path.join(this.dir, hash.slice(0, 2), `${hash}.${langs}.json`);
  }

  get(hash: string, langs: string): OcrCacheEntry | undefined {
    try {
      const entry = entrySchema.parse(JSON.parse(readFileSync(this.file(hash, langs), 'utf8')));
      return entry.v === this.version ? entry : undefined;
    } catch {
      return undefined;
    }
  }

  set(hash: string, langs: string, entry: Omit<OcrCacheEntry, 'v'>): void {
    const file = this.file(hash, langs);
    mkdirSync(path.dirname(file), { recursive: true });
    // Write + rename: a concurrent reader sees the old file or the new one, never half.
    const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
    writeFileSync(tmp, JSON.stringify({ v: this.version, ...entry }));
    renameSync(tmp, file);
  }
}
