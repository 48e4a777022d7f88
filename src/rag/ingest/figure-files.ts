/**
 * Figure image files, content-addressed: identical bytes anywhere in the knowledge base are
 * stored once, at `<DATA_DIR>/index/figures/<first 2 hex>/<sha256>/<name>` — the hash makes
 * the folder, the first document's file name (e.g. `queue-diagram.png`) names the file, so
 * chat attachments and `mrag eval`'s figure names stay readable. The index records the path
 * relative to DATA_DIR. After a commit, folders no row references any more are removed
 * (garbage collection by the set of referenced hashes), never one a document still uses —
 * and only once they have been unreferenced for the grace period, since readers of the
 * previous generation may still show them (the first time a folder is seen unreferenced is
 * kept in `index/figure-gc.json`).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { writeFileAtomic } from '../index/meta.js';

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

/** Unreferenced hash → when it was first seen unreferenced (ms since the epoch). */
const pendingSchema = z.record(z.string(), z.number());
const pendingFile = (dataDir: string) => path.join(dataDir, 'index', 'figure-gc.json');

function readPending(dataDir: string): Record<string, number> {
  try {
    return pendingSchema.parse(JSON.parse(readFileSync(pendingFile(dataDir), 'utf8')));
  } catch {
    return {};
  }
}

/**
 * Remove stored figures whose hash no row references once they have been unreferenced for
 * `graceMs` (0: at once), and anything else under the figures folder at once (leftovers of
 * older layouts). Returns how many folders went.
 */
export function collectFigureGarbage(dataDir: string, referenced: ReadonlySet<string>, options: { graceMs?: number; now?: number } = {}): number {
  const root = figuresDir(dataDir);
  if (!existsSync(root)) return 0;
  const { graceMs = 0, now = Date.now() } = options;
  const before = readPending(dataDir);
  const pending: Record<string, number> = {};
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
      const since = HASH.test(hash) ? (before[hash] ?? now) : 0;
      if (now - since < graceMs) {
        pending[hash] = since;
        continue;
      }
      rmSync(path.join(prefixDir, hash), { recursive: true, force: true });
      removed++;
    }
    if (readdirSync(prefixDir).length === 0) rmSync(prefixDir, { recursive: true, force: true });
  }
  if (Object.keys(pending).length > 0 || Object.keys(before).length > 0) writeFileAtomic(pendingFile(dataDir), JSON.stringify(pending));
  return removed;
}
