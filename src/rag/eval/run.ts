/**
 * `mrag eval`: retrieval quality on a question set (recall@k and MRR, for text and for
 * figures separately), and optionally the share of generated answers that cite an expected
 * source or figure.
 */
import { parseCitations } from '../answer/citations.js';
import type { Answer, Answerer, Retriever } from '../types.js';
import { figureMatches, mean, scoreRanking, sourceMatches, type RankScore } from './metrics.js';
import type { EvalQuestion } from './questions.js';

export interface QuestionResult {
  id: string;
  question: string;
  text?: RankScore;
  figures?: RankScore;
  /** Set with `--answers`. */
  answer?: { mode: Answer['mode']; citesExpected: boolean };
}

export interface MetricSummary {
  /** Questions that name expected items of this kind. */
  evaluated: number;
  recallAtK: number;
  mrr: number;
}

export interface EvalReport {
  k: number;
  questions: number;
  text: MetricSummary;
  figures: MetricSummary;
  answers?: {
    evaluated: number;
    /** Answers written by the model (the others were retrieval-only). */
    llm: number;
    citingExpected: number;
    /** citingExpected / evaluated. */
    citationShare: number;
  };
  results: QuestionResult[];
}

export interface RunEvalOptions {
  retriever: Retriever;
  questions: EvalQuestion[];
  k: number;
  answerer?: Answerer;
  onProgress?: (done: number, total: number) => void;
}

/** Whether the answer's own citations point at an expected source or figure. */
export function citesExpected(answer: Answer, question: EvalQuestion): boolean {
  if (answer.mode !== 'llm') return false;
  const cited = parseCitations(answer.text);
  const sources = answer.sources.filter((s) => cited.sources.includes(s.n));
  const figures = answer.figures.filter((f) => cited.figures.includes(f.n));
  return (
    sources.some((s) => question.sources.some((e) => sourceMatches(s.source, e))) ||
    figures.some((f) => question.figures.some((e) => figureMatches(f, e)))
  );
}

function summarise(scores: RankScore[]): MetricSummary {
  return { evaluated: scores.length, recallAtK: mean(scores.map((s) => s.recall)), mrr: mean(scores.map((s) => s.reciprocalRank)) };
}

export async function runEval(options: RunEvalOptions): Promise<EvalReport> {
  const { retriever, questions, k, answerer } = options;
  const results: QuestionResult[] = [];
  for (const [i, q] of questions.entries()) {
    const found = await retriever.search({ text: q.question }, { textK: k, figureK: k });
    const result: QuestionResult = { id: q.id, question: q.question };
    if (q.sources.length > 0) result.text = scoreRanking(found.chunks, q.sources, (c, e) => sourceMatches(c.source, e), k);
    if (q.figures.length > 0) result.figures = scoreRanking(found.figures, q.figures, figureMatches, k);
    if (answerer) {
      const answer = await answerer.answer(q.question);
      result.answer = { mode: answer.mode, citesExpected: citesExpected(answer, q) };
    }
    results.push(result);
    options.onProgress?.(i + 1, questions.length);
  }
  const report: EvalReport = {
    k,
    questions: questions.length,
    text: summarise(results.flatMap((r) => (r.text ? [r.text] : []))),
    figures: summarise(results.flatMap((r) => (r.figures ? [r.figures] : []))),
    results,
  };
  if (answerer) {
    const answered = results.flatMap((r) => (r.answer ? [r.answer] : []));
    const citing = answered.filter((a) => a.citesExpected).length;
    report.answers = {
      evaluated: answered.length,
      llm: answered.filter((a) => a.mode === 'llm').length,
      citingExpected: citing,
      citationShare: answered.length > 0 ? citing / answered.length : 0,
    };
  }
  return report;
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/** The human-readable summary `mrag eval` prints. */
export function formatEvalReport(report: EvalReport): string {
  const lines = [
    `Questions: ${report.questions}   k = ${report.k}`,
    `Text    (${report.text.evaluated} questions): recall@${report.k} ${pct(report.text.recallAtK)}   MRR ${report.text.mrr.toFixed(3)}`,
    `Figures (${report.figures.evaluated} questions): recall@${report.k} ${pct(report.figures.recallAtK)}   MRR ${report.figures.mrr.toFixed(3)}`,
  ];
  if (report.answers) {
    const a = report.answers;
    lines.push(
      `Answers (${a.evaluated}, ${a.llm} by the model): citing an expected source or figure ${a.citingExpected}/${a.evaluated} = ${pct(a.citationShare)}`,
    );
  }
  const misses = report.results.filter((r) => (r.text && r.text.recall === 0) || (r.figures && r.figures.recall === 0));
  if (misses.length > 0) {
    lines.push('', `Missed in the top ${report.k}:`);
    for (const r of misses.slice(0, 20)) {
      const what = [r.text?.recall === 0 ? 'text' : '', r.figures?.recall === 0 ? 'figure' : ''].filter(Boolean).join(' + ');
      lines.push(`  ${r.id} (${what}): ${r.question}`);
    }
  }
  return lines.join('\n');
}
