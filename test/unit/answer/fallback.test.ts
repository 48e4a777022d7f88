import { describe, expect, it } from 'vitest';
import { retrievalOnlyAnswer } from '../../../src/rag/answer/fallback.js';
import type { PromptFigure } from '../../../src/rag/answer/prompt.js';
import type { AnswerSource } from '../../../src/rag/types.js';

const source = (n: number): AnswerSource => ({ n, id: `c${n}`, title: `Doc ${n}`, section: 'Intro', source: `doc-${n}.md`, snippet: `Snippet ${n} ` + 'y'.repeat(500) });
const figure = (n: number, score: number): PromptFigure => ({ n, id: `f${n}`, imagePath: `/f${n}.png`, caption: `Caption ${n}`, title: 'Doc', section: '', source: 'doc.md', score });

describe('retrievalOnlyAnswer', () => {
  it('is clearly labelled and lists the best snippets with their numbers and the top figures above the threshold', () => {
    const fb = retrievalOnlyAnswer('the language model is unreachable', [1, 2, 3, 4].map(source), [figure(1, 0.5), figure(2, 0.3), figure(3, 0.1)], 0.2);
    expect(fb.text.startsWith('_Retrieval-only answer: the language model is unreachable')).toBe(true);
    expect(fb.text).toContain('**[1] Doc 1 › Intro**');
    expect(fb.text).toContain('**[3] Doc 3 › Intro**');
    expect(fb.text).not.toContain('[4]');
    expect(fb.text.length).toBeLessThan(2_000);
    expect(fb.sources.map((s) => s.n)).toEqual([1, 2, 3]);
    expect(fb.figures.map((f) => f.n)).toEqual([1, 2]);
    expect(fb.figures[0]).not.toHaveProperty('score');
  });

  it('says so when retrieval found nothing', () => {
    const fb = retrievalOnlyAnswer('the language model took too long', [], [], 0.2);
    expect(fb.text).toContain('found nothing in the documents');
    expect(fb.sources).toEqual([]);
  });
});
