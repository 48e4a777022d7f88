/**
 * Retrieval metrics over ranked results: recall@k (share of the expected items found in
 * the top k) and reciprocal rank (1 / rank of the first expected item in the top k, 0 if
 * none). Matching works on source paths and image file names, not on ids (see questions.ts).
 */
import path from 'node:path';

/** POSIX separators, no leading "./", lower-case for URLs' hosts not needed: paths compared as given. */
function normalisePath(p: string): string {
  return p.replace(/\\/g, '/').replace(/^\.\//, '');
}

/**
 * True when `source` is `expected`, or one ends with the other at a path boundary: "clip.md"
 * matches the stored "articles/clip.md", and so does "data/articles/clip.md", the file's path
 * where the question set was written (stored sources are `<root>/<path under the root>`).
 */
export function sourceMatches(source: string, expected: string): boolean {
  const s = normalisePath(source);
  const e = normalisePath(expected);
  return s === e || s.endsWith('/' + e) || e.endsWith('/' + s);
}

/** Figure file names may get a "-2" suffix when two figures of a document share a name. */
function baseNameMatches(imagePath: string, expected: string): boolean {
  const actual = path.basename(normalisePath(imagePath));
  if (actual === expected) return true;
  const ext = path.extname(expected);
  const stem = expected.slice(0, expected.length - ext.length);
  return new RegExp(`^${stem.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}-\\d+${ext.replace('.', '\\.')}$`).test(actual);
}

/** `expected` is "name.png" or "source#name.png". */
export function figureMatches(figure: { source: string; imagePath: string }, expected: string): boolean {
  const hash = expected.lastIndexOf('#');
  if (hash > 0) return sourceMatches(figure.source, expected.slice(0, hash)) && baseNameMatches(figure.imagePath, expected.slice(hash + 1));
  return baseNameMatches(figure.imagePath, expected);
}

export interface RankScore {
  recall: number;
  reciprocalRank: number;
  /** 1-based rank of the first expected item within k, if any. */
  firstRank?: number;
}

/** Score one ranked list against the expected items (each expected item counts once). */
export function scoreRanking<T>(ranked: T[], expected: string[], matches: (item: T, expected: string) => boolean, k: number): RankScore {
  const top = ranked.slice(0, k);
  const found = expected.filter((e) => top.some((item) => matches(item, e))).length;
  const index = top.findIndex((item) => expected.some((e) => matches(item, e)));
  return {
    recall: expected.length > 0 ? found / expected.length : 0,
    reciprocalRank: index >= 0 ? 1 / (index + 1) : 0,
    ...(index >= 0 ? { firstRank: index + 1 } : {}),
  };
}

export const mean = (xs: number[]): number => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : 0);
