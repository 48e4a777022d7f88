/**
 * `mrag eval`: retrieval quality on a question set (recall@k and MRR, for text and for
 * figures separately), beside the same metrics for a BM25-only baseline (retrieval level 2)
 * so a user can see what the embedding model adds, and optionally the share of generated
 * answers that cite an expected source or figure.
 */
import { parseCitations } from '../answer/citations.js';
import type { Answer, Answerer, RetrievalLevel, Retriever, SearchResult } from '../types.js';
import { figureMatches, mean, scoreRanking, sourceMatches, type RankScore } from './metrics.js';
import type { EvalQuestion } from './questions.js';

export interface QuestionResult {
  id: string;
  question: string;
  text?: RankScore;
  figures?: RankScore;
  /** The same question through the BM25-only baseline. */
  baseline?: { text?: RankScore; figures?: RankScore };
  /** Set with `--answers`. */
  answer?: { mode: Answer['mode']; citesExpected: boolean };
}

export interface MetricSummary {
  /** Questions that name expected items of this kind. */
  evaluated: number;
  /** Share of questions whose first hit is expected (recall@1 for one expected item): discriminates where k covers most of a small index. */
  hitAt1: number;
  recallAtK: number;
  mrr: number;
}

export interface EvalReport {
  k: number;
  questions: number;
  /** The level the configured retriever searched at (when it reports one). */
  level?: RetrievalLevel;
  text: MetricSummary;
  figures: MetricSummary;
  /** BM25 only (level 2) on the same questions; absent when the configured retriever already is BM25-only. */
  baseline?: { text: MetricSummary; figures: MetricSummary };
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
  /** The BM25-only retriever to compare with (knowledge base `bm25`); skipped when the configured one runs below level 3. */
  baseline?: Retriever;
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
  return {
    evaluated: scores.length,
    hitAt1: mean(scores.map((s) => (s.firstRank === 1 ? 1 : 0))),
    recallAtK: mean(scores.map((s) => s.recall)),
    mrr: mean(scores.map((s) => s.reciprocalRank)),
  };
}

export async function runEval(options: RunEvalOptions): Promise<EvalReport> {
  const { retriever, questions, k, answerer } = options;
  const results: QuestionResult[] = [];
  let level: RetrievalLevel | undefined;
  const score = (found: SearchResult, q: EvalQuestion) => ({
    ...(q.sources.length > 0 ? { text: scoreRanking(found.chunks, q.sources, (c, e) => sourceMatches(c.source, e), k) } : {}),
    ...(q.figures.length > 0 ? { figures: scoreRanking(found.figures, q.figures, figureMatches, k) } : {}),
  });
  for (const [i, q] of questions.entries()) {
    const found = await retriever.search({ text: q.question }, { textK: k, figureK: k });
    level ??= found.level;
    const result: QuestionResult = { id: q.id, question: q.question, ...score(found, q) };
    if (options.baseline && (found.level === undefined || found.level === 3)) {
      result.baseline = score(await options.baseline.search({ text: q.question }, { textK: k, figureK: k }), q);
    }
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
    ...(level !== undefined ? { level } : {}),
    text: summarise(results.flatMap((r) => (r.text ? [r.text] : []))),
    figures: summarise(results.flatMap((r) => (r.figures ? [r.figures] : []))),
    results,
  };
  if (results.some((r) => r.baseline)) {
    report.baseline = {
      text: summarise(results.flatMap((r) => (r.baseline?.text ? [r.baseline.text] : []))),
      figures: summarise(results.flatMap((r) => (r.baseline?.figures ? [r.baseline.figures] : []))),
    };
  }
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
  const k = report.k;
  const cells = (m: MetricSummary) => `${pct(m.hitAt1).padStart(7)}${pct(m.recallAtK).padStart(10)}${m.mrr.toFixed(3).padStart(7)}`;
  const heads = `${'hit@1'.padStart(7)}${`recall@${k}`.padStart(10)}${'MRR'.padStart(7)}`;
  const configured = report.level !== undefined ? `level ${report.level}` : 'configured';
  const lines = [
    `Questions: ${report.questions}   k = ${k}   retrieval level ${report.level ?? '?'}`,
    '',
    `${''.padEnd(24)}${configured.padEnd(26)}${report.baseline ? 'BM25 only (level 2)' : ''}`.trimEnd(),
    `${''.padEnd(22)}${heads}${report.baseline ? `  ${heads}` : ''}`,
  ];
  for (const [name, m, b] of [['Text', report.text, report.baseline?.text], ['Figures', report.figures, report.baseline?.figures]] as const) {
    lines.push(`${`${name} (${m.evaluated} questions)`.padEnd(22)}${cells(m)}${b ? `  ${cells(b)}` : ''}`);
  }
  if (!report.baseline) lines.push('', 'The configured retriever is BM25-only already (no embedding model in use): no baseline to compare with.');
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
      const bm25 = r.baseline && ((r.text?.recall === 0 && (r.baseline.text?.recall ?? 0) > 0) || (r.figures?.recall === 0 && (r.baseline.figures?.recall ?? 0) > 0)) ? ' [BM25 only finds it]' : '';
      lines.push(`  ${r.id} (${what}): ${r.question}${bm25}`);
    }
  }
  return lines.join('\n');
}
