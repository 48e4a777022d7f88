/**
 * `<DATA_DIR>/index/meta.json`: the committed generation of the index (schema.ts,
 * `indexMetaSchema`), replaced atomically so that readers see the old or the new file,
 * never half; and paths relative to DATA_DIR, so that an index can move with its data.
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserFacingError } from '../../errors.js';
import { indexMetaSchema, type IndexMeta } from './schema.js';

export const indexDir = (dataDir: string) => path.join(dataDir, 'index');
export const metaPath = (dataDir: string) => path.join(indexDir(dataDir), 'meta.json');

/** Write a file so that readers see either the old or the new content, never half. */
export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const tmp = `${file}.${process.pid}.${Date.now()}.tmp`;
  writeFileSync(tmp, data);
  renameSync(tmp, file);
}

/** The committed generation under `dataDir`; undefined before the first commit. Throws `index_corrupt` when unreadable. */
export function readIndexMeta(dataDir: string): IndexMeta | undefined {
  const file = metaPath(dataDir);
  if (!existsSync(file)) return undefined;
  let parsed: ReturnType<typeof indexMetaSchema.safeParse> | undefined;
  try {
    parsed = indexMetaSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
  } catch {
    parsed = undefined;
  }
  if (!parsed?.success) throw new UserFacingError('index_corrupt', `The index metadata ${file} is unreadable: delete ${indexDir(dataDir)} and re-ingest.`);
  return parsed.data;
}

/** `file` relative to DATA_DIR with POSIX separators when it is inside it, else unchanged (absolute). */
export function relativeToDataDir(dataDir: string, file: string): string {
  const rel = path.relative(path.resolve(dataDir), path.resolve(file));
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel.split(path.sep).join('/') : file;
}
