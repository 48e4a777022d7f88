/**
 * Figure image files, content-addressed: identical bytes anywhere in the knowledge base are
 * stored once, at `<DATA_DIR>/index/figures/<first 2 hex>/<sha256>/<name>` — the hash makes
 * the folder, the first document's file name (e.g. `queue-diagram.png`) names the file, so
 * chat attachments and `mrag eval`'s figure names stay readable. The index records the path
 * relative to DATA_DIR. After a commit, folders no row references any more are removed
 * (garbage collection by the set of referenced hashes), never one a document still uses.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const FIGURES_FOLDER = path.join('index', 'figures');
export const figuresDir = (dataDir: string) => path.join(dataDir, FIGURES_FOLDER);

const HASH = /^[0-9a-f]{64}$/;
const PREFIX = /^[0-9a-f]{2}$/;

/** The folder of one image hash. */
export const figureFolder = (dataDir: string, hash: string) => path.join(figuresDir(dataDir), hash.slice(0, 2), hash);

/**
 * Store `bytes` (whose sha256 is `hash`) unless that content is already stored, and return
 * the absolute path of the file to reference.
 */
export function storeFigureFile(dataDir: string, hash: string, name: string, bytes: Uint8Array): string {
  if (!HASH.test(hash)) throw new Error(`not a sha256 hex digest: ${hash}`);
  const folder = figureFolder(dataDir, hash);
  const existing = existsSync(folder) ? readdirSync(folder).filter((f) => !f.endsWith('.tmp')) : [];
  if (existing.length > 0) return path.join(folder, existing.sort()[0]!);
  mkdirSync(folder, { recursive: true });
  const file = path.join(folder, name);
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file);
  return file;
}

/**
 * Remove stored figures whose hash no row references, and anything else under the figures
 * folder (leftovers of older layouts, interrupted writes). Returns how many folders went.
 */
export function collectFigureGarbage(dataDir: string, referenced: ReadonlySet<string>): number {
  const root = figuresDir(dataDir);
  if (!existsSync(root)) return 0;
  let removed = 0;
  for (const prefix of readdirSync(root)) {
    const prefixDir = path.join(root, prefix);
    if (!PREFIX.test(prefix)) {
      rmSync(prefixDir, { recursive: true, force: true });
      removed++;
      continue;
    }
    for (const hash of readdirSync(prefixDir)) {
      if (HASH.test(hash) && referenced.has(hash)) continue;
      rmSync(path.join(prefixDir, hash), { recursive: true, force: true });
      removed++;
    }
    if (readdirSync(prefixDir).length === 0) rmSync(prefixDir, { recursive: true, force: true });
  }
  return removed;
}
