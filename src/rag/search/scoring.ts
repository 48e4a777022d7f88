/**
 * The two scoring modes.
 *
 * seed — the seed article's: cosine similarity → softmax with a temperature over the whole
 *   modality → keep probabilities ≥ threshold → top-k. Text k=15, threshold 0.01, T=0.25;
 *   images k=5, threshold 0.25, T=0.5.
 * hybrid (default) — reciprocal-rank fusion of several ranked lists (vector search per query
 *   embedding, BM25 over the text, caption vectors for figures), then a per-modality quota.
 */
import type { ScoreSignals, SignalScore } from '../types.js';
import type { Hit } from './vector-matrix.js';

export interface SeedParams {
  k: number;
  threshold: number;
  temperature: number;
}

export const SEED_TEXT: SeedParams = { k: 15, threshold: 0.01, temperature: 0.25 };
export const SEED_FIGURES: SeedParams = { k: 5, threshold: 0.25, temperature: 0.5 };

export const HYBRID_TEXT_K = 8;
export const HYBRID_FIGURE_K = 4;
/** The usual RRF constant: damps the advantage of the very first ranks. */
export const RRF_K = 60;

/** Softmax(similarity / T) over every item, thresholded, best k. */
export function seedScores(similarities: Float32Array, params: SeedParams): Hit[] {
  if (similarities.length === 0) return [];
  let max = -Infinity;
  for (const s of similarities) max = Math.max(max, s);
  const exps = new Float64Array(similarities.length);
  let sum = 0;
  for (let i = 0; i < similarities.length; i++) sum += exps[i] = Math.exp((similarities[i]! - max) / params.temperature);
  const hits: Hit[] = [];
  for (let i = 0; i < exps.length; i++) {
    const p = exps[i]! / sum;
    if (p >= params.threshold) hits.push({ index: i, score: p });
  }
  return hits.sort((a, b) => b.score - a.score).slice(0, params.k);
}

/**
 * Reciprocal-rank fusion: score(id) = Σ over lists of 1 / (RRF_K + rank). Returned scores
 * are divided by the best possible total, so 1 means "first in every list".
 */
export function reciprocalRankFusion(lists: string[][], k: number): Array<{ id: string; score: number }> {
  const totals = new Map<string, number>();
  for (const list of lists) list.forEach((id, rank) => totals.set(id, (totals.get(id) ?? 0) + 1 / (RRF_K + rank + 1)));
  const best = lists.filter((l) => l.length > 0).length / (RRF_K + 1);
  return [...totals.entries()]
    .map(([id, total]) => ({ id, score: best > 0 ? total / best : 0 }))
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id))
    .slice(0, k);
}

/** One ranked list for fusion: which signal it is, and its hits best first with the list's own score. */
export interface RankedList {
  signal: keyof ScoreSignals;
  hits: Array<{ id: string; score: number }>;
}

export interface FusedHit {
  id: string;
  /** Reciprocal-rank fusion score, 1 = first in every non-empty list. */
  score: number;
  /** Each list's rank (1-based) and raw score for this id ("why this answer"). */
  signals: ScoreSignals;
}

/**
 * `reciprocalRankFusion` over signal-tagged lists, keeping every list's opinion of each
 * returned id. When two lists share a signal name (not done by the searcher), the better
 * rank is kept.
 */
export function fuseRanked(lists: RankedList[], k: number): FusedHit[] {
  const fused = reciprocalRankFusion(lists.map((l) => l.hits.map((h) => h.id)), k);
  const opinions = new Map<string, ScoreSignals>();
  for (const list of lists) {
    list.hits.forEach((hit, i) => {
      const signals = opinions.get(hit.id) ?? {};
      const mine: SignalScore = { rank: i + 1, score: hit.score };
      const previous = signals[list.signal];
      if (!previous || previous.rank > mine.rank) signals[list.signal] = mine;
      opinions.set(hit.id, signals);
    });
  }
  return fused.map(({ id, score }) => ({ id, score, signals: opinions.get(id) ?? {} }));
}

/** Letters and digits only: BM25 query text must not be parsed as query syntax. */
export function fullTextQuery(text: string): string {
  return text.replace(/[^\p{L}\p{N}]+/gu, ' ').trim().slice(0, 1000);
}
