import { describe, expect, it } from 'vitest';
import { l2normalize } from '../../../src/rag/embed/vector.js';
import { SEED_TEXT, fullTextQuery, fuseRanked, reciprocalRankFusion, seedScores } from '../../../src/rag/search/scoring.js';
import { VectorMatrix, topKOf } from '../../../src/rag/search/vector-matrix.js';

describe('seed scoring', () => {
  it('is a softmax with temperature, thresholded and cut to k', () => {
    const sims = Float32Array.from([0.9, 0.8, 0.1, -0.5]);
    const hits = seedScores(sims, { k: 2, threshold: 0.01, temperature: 0.25 });
    const exps = [0.9, 0.8, 0.1, -0.5].map((s) => Math.exp(s / 0.25));
    const total = exps.reduce((a, b) => a + b, 0);
    expect(hits.map((h) => h.index)).toEqual([0, 1]);
    expect(hits[0]!.score).toBeCloseTo(exps[0]! / total, 6);
    expect(seedScores(sims, { ...SEED_TEXT, threshold: 0.5 }).map((h) => h.index)).toEqual([0]);
    expect(seedScores(new Float32Array(0), SEED_TEXT)).toEqual([]);
  });
});

describe('reciprocal-rank fusion', () => {
  it('rewards items ranked well in several lists and normalises to 1 for first-everywhere', () => {
    const fused = reciprocalRankFusion([['a', 'b', 'c'], ['a', 'c'], ['c', 'a']], 3);
    expect(fused.map((f) => f.id)).toEqual(['a', 'c', 'b']);
    expect(reciprocalRankFusion([['x'], ['x']], 1)[0]!.score).toBeCloseTo(1, 9);
  });

  it('keeps each list’s rank and raw score per hit ("why this answer")', () => {
    const fused = fuseRanked(
      [
        { signal: 'vector', hits: [{ id: 'a', score: 0.91 }, { id: 'b', score: 0.5 }] },
        { signal: 'bm25', hits: [{ id: 'c', score: 7.5 }, { id: 'a', score: 3.25 }] },
      ],
      3,
    );
    expect(fused.map((f) => f.id)).toEqual(['a', 'c', 'b']);
    expect(fused[0]!.signals).toEqual({ vector: { rank: 1, score: 0.91 }, bm25: { rank: 2, score: 3.25 } });
    expect(fused[1]!.signals).toEqual({ bm25: { rank: 1, score: 7.5 } });
    expect(fused[2]!.signals).toEqual({ vector: { rank: 2, score: 0.5 } });
    // Same fused scores as plain RRF over the ids.
    expect(fused.map((f) => f.score)).toEqual(reciprocalRankFusion([['a', 'b'], ['c', 'a']], 3).map((f) => f.score));
    expect(fuseRanked([], 5)).toEqual([]);
  });

  it('keeps query text to letters and digits', () => {
    expect(fullTextQuery('what\'s "OR" (AND) -x*?')).toBe('what s OR AND x');
  });
});

describe('exact vector search', () => {
  it('finds the same top-k as a sort of all dot products', () => {
    const dim = 7;
    let seed = 1;
    const rand = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 2 - 1;
    const vectors = Array.from({ length: 200 }, () => l2normalize(Float32Array.from({ length: dim }, rand)));
    const matrix = new VectorMatrix(dim, vectors);
    const q = l2normalize(Float32Array.from({ length: dim }, rand));
    const expected = vectors
      .map((v, index) => ({ index, score: v.reduce((s, x, i) => s + x * q[i]!, 0) }))
      .sort((a, b) => b.score - a.score)
      .slice(0, 10)
      .map((h) => h.index);
    expect(matrix.topK(q, 10).map((h) => h.index)).toEqual(expected);
    expect(topKOf(Float32Array.from([3, 1, 2]), 0)).toEqual([]);
  });
});
