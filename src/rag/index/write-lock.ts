/**
 * One writer at a time: `mrag ingest` holds `<dataDir>/index/ingest.lock` (created with
 * O_EXCL, containing its pid). Readers never need it — LanceDB versions keep them consistent.
 * A lock left by a process that no longer exists (a crash, kill -9) is taken over.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { UserFacingError } from '../../errors.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Take the write lock of the index in `indexDirectory`; returns the release function. */
export function acquireWriteLock(indexDirectory: string): () => void {
  mkdirSync(indexDirectory, { recursive: true });
  const file = path.join(indexDirectory, 'ingest.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      writeFileSync(file, String(process.pid), { flag: 'wx' });
      return () => rmSync(file, { force: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const holder = Number(readFileSync(file, 'utf8').trim());
      if (Number.isInteger(holder) && holder > 0 && alive(holder)) {
        throw new UserFacingError('index_busy', `Another ingest (pid ${holder}) is writing the index under ${indexDirectory}; wait for it to finish.`);
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new UserFacingError('index_busy', `Could not lock the index under ${indexDirectory}.`);
}
