/**
 * Reading citations back out of the model's text, and choosing what to attach: the
 * figures the model cited, else the best retrieved figure when it is relevant enough.
 */
import type { AnswerFigure, AnswerSource } from '../types.js';
import type { PromptFigure } from './prompt.js';

/** Most figures attached to one answer. */
export const MAX_ATTACHED_FIGURES = 4;

export interface Citations {
  /** Source numbers in order of first citation. */
  sources: number[];
  /** Figure numbers in order of first citation. */
  figures: number[];
}

/** `[1]`, `[F2]`, `[1, 3]`, `[F1; F2]`, `[1][2]` (case-insensitive `f`). */
const CITATION = /\[\s*(F?\d+(?:\s*[,;]\s*F?\d+)*)\s*\]/gi;

export function parseCitations(text: string): Citations {
  const sources: number[] = [];
  const figures: number[] = [];
  for (const match of text.matchAll(CITATION)) {
    for (const ref of match[1]!.split(/[,;]/)) {
      const item = ref.trim();
      const isFigure = /^f/i.test(item);
      const n = Number(isFigure ? item.slice(1) : item);
      if (!Number.isInteger(n) || n < 1) continue;
      const list = isFigure ? figures : sources;
      if (!list.includes(n)) list.push(n);
    }
  }
  return { sources, figures };
}

function stripScore(f: PromptFigure): AnswerFigure {
  const { score: _score, ...figure } = f;
  return figure;
}

/**
 * The figures to attach: those cited (that exist), in citation order; when none was
 * cited, the top retrieved figure if its score reaches `minScore`. At most `max`.
 */
export function chooseFigures(
  cited: number[],
  figures: PromptFigure[],
  minScore: number,
  max = MAX_ATTACHED_FIGURES,
  alreadyShown: ReadonlySet<string> = new Set(),
): AnswerFigure[] {
  const byNumber = new Map(figures.map((f) => [f.n, f]));
  const chosen = cited.map((n) => byNumber.get(n)).filter((f): f is PromptFigure => f !== undefined);
  if (chosen.length > 0) return chosen.slice(0, max).map(stripScore);
  const top = figures.find((f) => !alreadyShown.has(f.id));
  return top && top.score >= minScore ? [stripScore(top)] : [];
}

/** The sources the answer cites, in citation order; unknown numbers are ignored. */
export function citedSources(cited: number[], sources: AnswerSource[]): AnswerSource[] {
  const byNumber = new Map(sources.map((s) => [s.n, s]));
  return cited.map((n) => byNumber.get(n)).filter((s): s is AnswerSource => s !== undefined);
}
