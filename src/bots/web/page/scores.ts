/**
 * Score tables: the "Why this answer" panel of each answer and the knowledge-base search
 * results. One row per retrieved chunk or figure: the fused score the ranking used, and
 * per signal (vector = question vs chunk/figure embedding, BM25 = full text incl. captions
 * and OCR text, caption = question vs caption embedding, image = attached image vs figure
 * pixels) the rank in that signal's list and its own score.
 */
import type { WebAnswer, WebSignals } from '../protocol.js';
import { h, heading } from './dom.js';

const SIGNALS = [
  ['vector', 'Vector'],
  ['bm25', 'BM25'],
  ['caption', 'Caption'],
  ['image', 'Image'],
] as const;

const LEVELS: Record<number, string> = {
  1: 'Level 1 · figures as text',
  2: 'Level 2 · text retrieval, figures shown to the model',
  3: 'Level 3 · multimodal retrieval',
};

export const levelLabel = (level: number | undefined) => (level ? (LEVELS[level] ?? `Level ${level}`) : undefined);

export const formatScore = (n: number) => (Math.abs(n) >= 100 ? n.toFixed(1) : n.toFixed(4));

function signalCell(signals: WebSignals | undefined, name: (typeof SIGNALS)[number][0]): HTMLTableCellElement {
  const s = signals?.[name];
  return s ? h('td', { class: 'num', 'data-signal': name }, `#${s.rank} · ${formatScore(s.score)}`) : h('td', { class: 'num', 'data-signal': name }, '—');
}

/** Signal columns that have at least one value (the others would be a column of dashes). */
function presentSignals(rows: Array<{ signals?: WebSignals }>) {
  return SIGNALS.filter(([name]) => rows.some((r) => r.signals?.[name]));
}

export interface ScoreRow {
  label: string;
  detail?: string;
  score: number;
  signals?: WebSignals;
  /** Extra yes/no columns (e.g. "Cited"). */
  flags?: Record<string, boolean>;
  thumbUrl?: string;
}

/** A table of scored items; `caption` names it for screen readers. */
export function scoreTable(caption: string, rows: ScoreRow[], flagNames: string[] = []): HTMLElement {
  const signals = presentSignals(rows);
  const head = h('tr', {}, h('th', { scope: 'col' }, '#'), h('th', { scope: 'col' }, 'Item'), h('th', { scope: 'col', class: 'num' }, 'Fused score'));
  for (const [, label] of signals) head.append(h('th', { scope: 'col', class: 'num' }, `${label} (rank · score)`));
  for (const flag of flagNames) head.append(h('th', { scope: 'col' }, flag));
  const body = h('tbody');
  rows.forEach((row, i) => {
    const item = h('td', {}, row.thumbUrl ? h('img', { class: 'thumb', src: row.thumbUrl, alt: row.label, loading: 'lazy' }) : null, h('strong', {}, row.label));
    if (row.detail) item.append(h('br'), h('span', { class: 'detail' }, row.detail));
    const tr = h('tr', {}, h('td', { class: 'num' }, i + 1), item, h('td', { class: 'num', 'data-score': 'fused' }, formatScore(row.score)));
    for (const [name] of signals) tr.append(signalCell(row.signals, name));
    for (const flag of flagNames) tr.append(h('td', { 'data-flag': flag }, row.flags?.[flag] ? 'yes' : 'no'));
    body.append(tr);
  });
  return h('div', { class: 'table-wrap' }, h('table', {}, h('caption', { class: 'visually-hidden' }, caption), h('thead', {}, head), body));
}

/** Milliseconds per stage as a list. */
export function timingsList(timings: Record<string, number>): HTMLElement {
  const list = h('ul', { class: 'timings', 'aria-label': 'Timings per stage' });
  for (const [stage, ms] of Object.entries(timings)) list.append(h('li', { 'data-stage': stage }, `${stage}: ${ms < 10 ? ms.toFixed(1) : Math.round(ms)} ms`));
  return list;
}

/** The "Why this answer" panel (collapsed by default). */
export function whyPanel(answer: WebAnswer): HTMLElement {
  const panel = h('details', { class: 'why' }, h('summary', {}, 'Why this answer'));
  const level = levelLabel(answer.level);
  panel.append(
    h('p', {}, answer.mode === 'llm' ? 'The language model answered from the retrieved items below.' : 'No language model answer: these retrieved items are listed as they are.', level ? ` ${level}.` : ''),
  );
  const why = answer.why;
  if (!why) {
    panel.append(h('p', {}, 'This answer carries no retrieval details.'));
  } else {
    panel.append(h('h3', {}, `Text chunks retrieved (${why.chunks.length})`));
    panel.append(
      scoreTable(
        'Text chunks retrieved, with their scores',
        why.chunks.map((c) => ({ label: heading(c.title, c.section), detail: c.snippet, score: c.score, signals: c.signals, flags: { Cited: c.cited } })),
        ['Cited'],
      ),
    );
    panel.append(h('h3', {}, `Figures retrieved (${why.figures.length})`));
    panel.append(
      scoreTable(
        'Figures retrieved, with their scores',
        why.figures.map((f) => ({
          label: f.caption || heading(f.title, f.section),
          detail: heading(f.title, f.section),
          score: f.score,
          signals: f.signals,
          flags: { 'Shown to the model': f.shownToModel, Attached: f.attached },
        })),
        ['Shown to the model', 'Attached'],
      ),
    );
  }
  panel.append(h('h3', {}, 'Timings'), timingsList(answer.timings));
  return panel;
}
