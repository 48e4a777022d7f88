/**
 * `mrag doctor`: every check of a set-up, one line each with ✓ (fine), ⚠ (works, but not as
 * it should) or ✗ (broken), and the fix. A ✗ on a required check makes the exit code 1.
 *
 *   ✓ Redis: 7.2.4 at redis:6379
 *   ✗ Ollama model: llama3.2-vision is not on http://ollama:11434 → fix: `ollama pull llama3.2-vision` …
 */
import type { DotEnvResult } from '../../config/dotenv.js';
import type { Embedder } from '../../rag/embed/embedder.js';
import type { Config } from '../../config/env.js';

export type Status = 'ok' | 'warn' | 'fail';

export interface DoctorLine {
  /** Short name of what was checked, e.g. "Redis", "Ollama model". */
  check: string;
  status: Status;
  /** What was found (one line, never a secret). */
  detail: string;
  /** What to do about a warning or failure. */
  fix?: string;
}

export interface DoctorContext {
  config: Config;
  dotEnv?: DotEnvResult;
  /** Time limit of each network call (default 5 s). */
  timeoutMs: number;
  /** Loads EMBEDDING_MODEL once for the checks that need it (rejects with the load error); closed by runDoctor. */
  embedder(): Promise<Embedder>;
}

export const SYMBOLS: Record<Status, string> = { ok: '✓', warn: '⚠', fail: '✗' };

export const ok = (check: string, detail: string): DoctorLine => ({ check, status: 'ok', detail });
export const warn = (check: string, detail: string, fix: string): DoctorLine => ({ check, status: 'warn', detail, fix });
export const fail = (check: string, detail: string, fix: string): DoctorLine => ({ check, status: 'fail', detail, fix });

export function formatLine(line: DoctorLine): string {
  return `${SYMBOLS[line.status]} ${line.check}: ${line.detail}${line.fix ? ` → fix: ${line.fix}` : ''}`;
}

/** 1 when a required check failed (every ✗ is required; ⚠ never fails the run). */
export function exitCodeOf(lines: readonly DoctorLine[]): number {
  return lines.some((l) => l.status === 'fail') ? 1 : 0;
}

export function errorText(err: unknown): string {
  if (err instanceof Error) {
    // System error codes (ECONNREFUSED, ENOTFOUND…) say the most; other `code`s are ours.
    const code = [(err as NodeJS.ErrnoException).code, (err.cause as NodeJS.ErrnoException | undefined)?.code].find((c) => typeof c === 'string' && /^E[A-Z0-9_]+$/.test(c));
    return code && !err.message.includes(code) ? `${err.message} (${code})` : err.message;
  }
  return String(err);
}
