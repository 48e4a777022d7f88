import { describe, expect, it } from 'vitest';
import { figureMatches, scoreRanking, sourceMatches } from '../../../src/rag/eval/metrics.js';
import { parseQuestions } from '../../../src/rag/eval/questions.js';
import { citesExpected, formatEvalReport, runEval } from '../../../src/rag/eval/run.js';
import type { Answer, Answerer, SearchOptions, SearchQuery } from '../../../src/rag/types.js';
import { MemoryRetriever, chunk } from './fixtures.js';

describe('matching by path and file name (survives re-ingest)', () => {
  it('matches sources exactly or by a path suffix at a boundary', () => {
    expect(sourceMatches('data/articles/clip.md', 'data/articles/clip.md')).toBe(true);
    expect(sourceMatches('data/articles/clip.md', 'clip.md')).toBe(true);
    expect(sourceMatches('./data/articles/clip.md', 'articles/clip.md')).toBe(true);
    expect(sourceMatches('data/articles/myclip.md', 'clip.md')).toBe(false);
    // Stored sources are `<root>/<path under the root>`; a question set may name the file from the project folder.
    expect(sourceMatches('articles/clip.md', 'data/articles/clip.md')).toBe(true);
    expect(sourceMatches('articles/clip.md', 'data/other/clip.md')).toBe(false);
    expect(sourceMatches('articles/clip.md', 'data/myarticles/clip.md')).toBe(false);
  });

  it('matches figures by image file name, with a "-2" suffix, optionally scoped to a document', () => {
    const fig = { source: 'data/articles/clip.md', imagePath: '/x/data/index/figures/abc-123/matrix-2.png' };
    expect(figureMatches(fig, 'matrix.png')).toBe(true);
    expect(figureMatches(fig, 'matrix-2.png')).toBe(true);
    expect(figureMatches(fig, 'clip.md#matrix.png')).toBe(true);
    expect(figureMatches(fig, 'other.md#matrix.png')).toBe(false);
    expect(figureMatches(fig, 'matrix.jpg')).toBe(false);
  });
});

describe('scoreRanking', () => {
  const eq = (a: string, b: string) => a === b;
  it('computes recall@k and reciprocal rank', () => {
    expect(scoreRanking(['x', 'a', 'y', 'b'], ['a', 'b'], eq, 3)).toEqual({ recall: 0.5, reciprocalRank: 0.5, firstRank: 2 });
    expect(scoreRanking(['x', 'a', 'y', 'b'], ['a', 'b'], eq, 4).recall).toBe(1);
    expect(scoreRanking(['x', 'y'], ['a'], eq, 2)).toEqual({ recall: 0, reciprocalRank: 0 });
  });
});

describe('parseQuestions', () => {
  it('reads JSONL, skips blank lines, names unnamed questions by line', () => {
    const qs = parseQuestions('{"question":"a?","sources":["a.md"]}\n\n{"id":"q2","question":"b?","figures":["b.png"]}\n');
    expect(qs.map((q) => q.id)).toEqual(['line-1', 'q2']);
    expect(qs[1]!.sources).toEqual([]);
  });

  it('names the line and the problem on bad input', () => {
    expect(() => parseQuestions('{"question":"a?","sources":["a.md"]}\nnot json', 'q.jsonl')).toThrow('q.jsonl:2: not valid JSON');
    expect(() => parseQuestions('{"question":"a?"}', 'q.jsonl')).toThrow('q.jsonl:1: needs at least one expected source or figure');
    expect(() => parseQuestions('{"question":"","sources":["a"]}', 'q.jsonl')).toThrow(/q\.jsonl:1: question/);
    expect(() => parseQuestions('\n\n', 'q.jsonl')).toThrow('no questions');
  });
});

describe('runEval', () => {
  const figure = (name: string, source: string, score: number) => ({
    kind: 'figure' as const,
    id: name,
    docId: 'd',
    source,
    title: 'T',
    section: '',
    caption: name,
    imagePath: `/data/figures/${name}`,
    score,
  });
  const retriever = new MemoryRetriever(
    [chunk(1, 'one', { source: 'data/articles/a.md' }), chunk(2, 'two', { source: 'data/articles/b.md' })],
    [figure('x.png', 'data/articles/a.md', 0.5), figure('y.png', 'data/articles/b.md', 0.4)],
  );
  const questions = parseQuestions(
    [
      '{"id":"t1","question":"about a","sources":["articles/a.md"]}',
      '{"id":"t2","question":"about b","sources":["b.md"],"figures":["y.png"]}',
      '{"id":"f1","question":"figure only","figures":["z.png"]}',
    ].join('\n'),
  );

  it('averages recall@k and MRR for text and figures separately', async () => {
    const report = await runEval({ retriever, questions, k: 2 });
    expect(report.text).toEqual({ evaluated: 2, hitAt1: 0.5, recallAtK: 1, mrr: (1 + 0.5) / 2 });
    expect(report.figures).toEqual({ evaluated: 2, hitAt1: 0, recallAtK: 0.5, mrr: 0.25 });
    expect(report.answers).toBeUndefined();
    expect(report.baseline).toBeUndefined();
    const printed = formatEvalReport(report);
    expect(printed).toMatch(/^Text \(2 questions\) +50\.0% +100\.0% +0\.750$/m);
    expect(printed).toContain('no baseline to compare with');
    expect(printed).toContain('f1 (figure): figure only');
  });

  it('puts a BM25-only baseline beside a level-3 retriever, question by question', async () => {
    const level3 = { search: async (q: SearchQuery, o?: SearchOptions) => ({ ...(await retriever.search(q, o)), level: 3 as const }) };
    // The baseline ranks b.md first and finds no figure at all.
    const bm25 = new MemoryRetriever([chunk(2, 'two', { source: 'data/articles/b.md' }), chunk(1, 'one', { source: 'data/articles/a.md' })], []);
    const report = await runEval({ retriever: level3, baseline: bm25, questions, k: 2 });
    expect(report.level).toBe(3);
    expect(report.baseline).toEqual({
      text: { evaluated: 2, hitAt1: 0.5, recallAtK: 1, mrr: 0.75 },
      figures: { evaluated: 2, hitAt1: 0, recallAtK: 0, mrr: 0 },
    });
    expect(report.results.find((r) => r.id === 't2')!.baseline).toEqual({ text: { recall: 1, reciprocalRank: 1, firstRank: 1 }, figures: { recall: 0, reciprocalRank: 0 } });
    expect(bm25.queries.map((q) => q.query.text)).toEqual(questions.map((q) => q.question));
    const printed = formatEvalReport(report);
    expect(printed).toContain('BM25 only (level 2)');
    expect(printed).toMatch(/^Figures \(2 questions\) +0\.0% +50\.0% +0\.250 +0\.0% +0\.0% +0\.000$/m);
  });

  it('skips the baseline when the configured retriever is BM25-only already (level 1 or 2)', async () => {
    const level2 = { search: async (q: SearchQuery, o?: SearchOptions) => ({ ...(await retriever.search(q, o)), level: 2 as const }) };
    const bm25 = new MemoryRetriever([], []);
    const report = await runEval({ retriever: level2, baseline: bm25, questions, k: 2 });
    expect(report.level).toBe(2);
    expect(report.baseline).toBeUndefined();
    expect(bm25.queries).toEqual([]);
  });

  it('with answers, counts the share of model answers whose citations hit an expected source or figure', async () => {
    const answers: Record<string, Answer> = {
      'about a': { text: 'A [1].', mode: 'llm', timings: {}, figures: [], sources: [{ n: 1, id: 'c', title: 'T', section: '', source: 'data/articles/a.md', snippet: '' }] },
      'about b': { text: 'Wrong doc [1].', mode: 'llm', timings: {}, figures: [], sources: [{ n: 1, id: 'c', title: 'T', section: '', source: 'data/articles/a.md', snippet: '' }] },
      'figure only': { text: '**[1] T**', mode: 'retrieval-only', timings: {}, figures: [], sources: [] },
    };
    const answerer: Answerer = { answer: async (q) => answers[q]! };
    const report = await runEval({ retriever, questions, k: 2, answerer });
    expect(report.answers).toEqual({ evaluated: 3, llm: 2, citingExpected: 1, citationShare: 1 / 3 });
  });

  it('does not count uncited sources or retrieval-only answers as citations', () => {
    const q = questions[0]!;
    const source = { n: 1, id: 'c', title: 'T', section: '', source: 'data/articles/a.md', snippet: '' };
    expect(citesExpected({ text: 'No citation here.', mode: 'llm', timings: {}, figures: [], sources: [source] }, q)).toBe(false);
    expect(citesExpected({ text: '[1]', mode: 'retrieval-only', timings: {}, figures: [], sources: [source] }, q)).toBe(false);
  });
});
