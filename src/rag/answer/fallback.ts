/**
 * The retrieval-only answer: what the user gets when the language model cannot answer
 * (unreachable, error, timeout, stalled stream). Clearly labelled, built only from what
 * retrieval found: the best snippets with their sources, and the top figures.
 */
import type { AnswerFigure, AnswerSource } from '../types.js';
import type { PromptFigure } from './prompt.js';
import { truncate } from './prompt.js';

export const FALLBACK_SOURCES = 3;
export const FALLBACK_FIGURES = 2;
const FALLBACK_SNIPPET_CHARS = 320;

export interface FallbackAnswer {
  text: string;
  sources: AnswerSource[];
  figures: AnswerFigure[];
}

function heading(s: { title: string; section: string }): string {
  return s.section && s.section !== s.title ? `${s.title} › ${s.section}` : s.title;
}

/** `reason` is a short user-safe phrase (see describeFailure). */
export function retrievalOnlyAnswer(reason: string, sources: AnswerSource[], figures: PromptFigure[], minFigureScore: number): FallbackAnswer {
  const topSources = sources.slice(0, FALLBACK_SOURCES);
  const topFigures: AnswerFigure[] = figures
    .filter((f) => f.score >= minFigureScore)
    .slice(0, FALLBACK_FIGURES)
    .map(({ score: _score, ...f }) => f);
  if (topSources.length === 0 && topFigures.length === 0) {
    return {
      text: `_Retrieval-only answer (${reason})._\n\nI found nothing in the documents about this question.`,
      sources: [],
      figures: [],
    };
  }
  const lines = [`_Retrieval-only answer: ${reason}, so here are the most relevant passages from the documents._`, ''];
  for (const s of topSources) {
    lines.push(`**[${s.n}] ${heading(s)}**`, `> ${truncate(s.snippet, FALLBACK_SNIPPET_CHARS)}`, '');
  }
  if (topFigures.length > 0) {
    lines.push('**Figures:**');
    for (const f of topFigures) lines.push(`- [F${f.n}] ${truncate(f.caption || heading(f), 200)} (${heading(f)})`);
  }
  return { text: lines.join('\n').trim(), sources: topSources, figures: topFigures };
}
