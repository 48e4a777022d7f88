/**
 * The index's lock file, `<dataDir>/index/ingest.lock` (created with O_EXCL). It holds the
 * writer's host, pid and a random token; the writer touches it every `ttlMs / 3`.
 *
 * A lock is stale, and taken over, when
 * - it was not touched for `ttlMs` (its writer died, on this host or another one), or
 * - it names this host and a pid that is gone, or this very pid (a container restarted
 *   with the same hostname runs as pid 1 again: "pid 1 is alive" proves nothing).
 * Locks written by older versions (just a pid) are read as this host's.
 */
import { readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { z } from 'zod';

export const LOCK_FILE_NAME = 'ingest.lock';

export const lockHolderSchema = z.object({
  token: z.string(),
  host: z.string(),
  pid: z.number().int(),
  /** ISO time the lock was taken. */
  since: z.string(),
});
export type LockHolder = z.infer<typeof lockHolderSchema>;

export interface FileLockOptions {
  file: string;
  holder: LockHolder;
  ttlMs: number;
  /** Called once when the file stops being ours (deleted or taken over by another writer). */
  onLost: (reason: string) => void;
}

export interface HeldFileLock {
  release(): void;
}

/** Why a lock file blocks us: undefined when it does not (missing, stale, or unreadable garbage). */
export type Blocker = { holder: LockHolder | { pid: number; host?: undefined; since?: undefined }; ageMs: number };

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(text: string): LockHolder | { pid: number } | undefined {
  const trimmed = text.trim();
  if (/^\d+$/.test(trimmed)) return { pid: Number(trimmed) }; // the old format: a pid
  try {
    const parsed = lockHolderSchema.safeParse(JSON.parse(trimmed));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/** The live holder of `file`, or undefined when the file is absent or stale. */
export function currentBlocker(file: string, self: { host: string; pid: number }, ttlMs: number, now = Date.now()): Blocker | undefined {
  let text: string;
  let mtimeMs: number;
  try {
    text = readFileSync(file, 'utf8');
    mtimeMs = statSync(file).mtimeMs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  const holder = readHolder(text);
  if (!holder) return undefined; // unreadable (a crash while writing it): nobody can hold it
  const ageMs = Math.max(0, now - mtimeMs);
  if (ageMs > ttlMs) return undefined;
  const sameHost = !('host' in holder) || holder.host === self.host;
  if (sameHost && (holder.pid === self.pid || !alive(holder.pid))) return undefined;
  return { holder: holder as Blocker['holder'], ageMs };
}

/** Create the lock file, taking over a stale one; `{ blocked }` names the live writer that holds it. */
export function tryAcquireFileLock(options: FileLockOptions): HeldFileLock | { blocked: Blocker } {
  const { file, holder, ttlMs } = options;
  const self = { host: holder.host, pid: holder.pid };
  const content = JSON.stringify(holder);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      writeFileSync(file, content, { flag: 'wx' });
      return hold(options);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
    const blocker = currentBlocker(file, self, ttlMs);
    if (blocker) return { blocked: blocker };
    // Stale: move it aside atomically (only one taker can rename a given file), then check
    // that what we moved is still the stale lock and not a fresh one someone just made.
    const judged = safeRead(file);
    const aside = `${file}.stale.${holder.token}`;
    try {
      renameSync(file, aside);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw err;
    }
    if (safeRead(aside) !== judged) {
      try {
        renameSync(aside, file); // not the stale one: put it back
      } catch {
        // it is gone again; the next attempt decides
      }
      continue;
    }
    rmSync(aside, { force: true });
  }
  const blocker = currentBlocker(file, self, ttlMs);
  return { blocked: blocker ?? { holder: { pid: -1 }, ageMs: 0 } };
}

function safeRead(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function hold(options: FileLockOptions): HeldFileLock {
  const { file, holder, ttlMs, onLost } = options;
  let lost = false;
  const ours = () => {
    const held = readHolder(safeRead(file) ?? '');
    return held !== undefined && 'token' in held && held.token === holder.token;
  };
  const timer = setInterval(() => {
    if (lost) return;
    if (!ours()) {
      lost = true;
      clearInterval(timer);
      onLost(`${file} was removed or taken over by another writer`);
      return;
    }
    const now = new Date();
    try {
      utimesSync(file, now, now);
    } catch {
      // transient (e.g. a network filesystem hiccup): the next beat tries again
    }
  }, Math.max(50, Math.floor(ttlMs / 3)));
  timer.unref();
  return {
    release() {
      clearInterval(timer);
      if (!lost && ours()) rmSync(file, { force: true });
    },
  };
}
