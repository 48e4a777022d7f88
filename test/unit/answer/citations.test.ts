import { describe, expect, it } from 'vitest';
import { chooseFigures, citedSources, parseCitations } from '../../../src/rag/answer/citations.js';
import type { PromptFigure } from '../../../src/rag/answer/prompt.js';
import type { AnswerSource } from '../../../src/rag/types.js';

const figure = (n: number, score: number): PromptFigure => ({
  n,
  id: `f${n}`,
  imagePath: `/data/figures/f${n}.png`,
  caption: `caption ${n}`,
  title: 'T',
  section: 'S',
  source: 'doc.md',
  score,
});

describe('parseCitations', () => {
  it('reads single, grouped and figure citations in first-appearance order', () => {
    expect(parseCitations('A [2]. B [1, 3] and [F2; f1]. Again [2][F2]. Not [x] or [0] or [F].')).toEqual({
      sources: [2, 1, 3],
      figures: [2, 1],
    });
  });

  it('finds nothing in text without citations', () => {
    expect(parseCitations('The documents do not cover this.')).toEqual({ sources: [], figures: [] });
  });
});

describe('chooseFigures', () => {
  const figures = [figure(1, 0.5), figure(2, 0.3), figure(3, 0.25), figure(4, 0.22), figure(5, 0.21)];

  it('attaches the cited figures in citation order, ignoring unknown numbers, at most 4', () => {
    expect(chooseFigures([3, 9, 1], figures, 0.2).map((f) => f.n)).toEqual([3, 1]);
    expect(chooseFigures([5, 4, 3, 2, 1], figures, 0.2).map((f) => f.n)).toEqual([5, 4, 3, 2]);
    expect(chooseFigures([3], figures, 0.2)[0]).not.toHaveProperty('score');
  });

  it('attaches the top figure when none was cited, only above the threshold', () => {
    expect(chooseFigures([], figures, 0.4).map((f) => f.n)).toEqual([1]);
    expect(chooseFigures([], figures, 0.6)).toEqual([]);
    expect(chooseFigures([], [], 0)).toEqual([]);
  });

  it('skips figures already shown in the thread when none was cited, but re-attaches a cited one', () => {
    const shown = new Set(['f1']);
    expect(chooseFigures([], figures, 0.2, 4, shown).map((f) => f.n)).toEqual([2]);
    expect(chooseFigures([], figures, 0.4, 4, shown)).toEqual([]);
    expect(chooseFigures([1], figures, 0.2, 4, shown).map((f) => f.n)).toEqual([1]);
  });
});

describe('citedSources', () => {
  it('maps numbers to sources and drops unknown ones', () => {
    const sources: AnswerSource[] = [1, 2].map((n) => ({ n, id: `c${n}`, title: 'T', section: '', source: 'a.md', snippet: 's' }));
    expect(citedSources([2, 7, 1], sources).map((s) => s.n)).toEqual([2, 1]);
  });
});
