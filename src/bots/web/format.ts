/**
 * The web's format module (the counterpart of Discord's markdown.ts and Slack's mrkdwn.ts):
 * an `Answer` → the `WebAnswer` the page renders. The Markdown text is kept as is — the
 * browser renders it with marked and sanitises the HTML with DOMPurify — and everything
 * else becomes plain data: links to the originals, image URLs, and the retrieval scores
 * of the "why this answer" panel.
 */
import type { Answer, ScoreSignals } from '../../rag/types.js';
import type { WebAnswer, WebSignals } from './protocol.js';
import { WHY_SNIPPET_CHARS } from './types.js';

/** The adapter's read-only route for an indexed local source file. */
export const SOURCE_FILE_ROUTE = '/sources/file';
/** The adapter's route for figure images copied into Redis by the worker. */
export const FIGURE_ROUTE = '/api/figures';

const isUrl = (s: string) => /^https?:\/\//i.test(s);

/** Link to a source's original: the URL itself, or the read-only file route for local files. */
export function sourceHref(source: string): string {
  return isUrl(source) ? source : `${SOURCE_FILE_ROUTE}?source=${encodeURIComponent(source)}`;
}

function shorten(text: string, max: number): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

/** Scores rounded for display (4 significant decimals is plenty for a ranking). */
const round = (n: number) => Math.round(n * 10_000) / 10_000;

export function webSignals(signals: ScoreSignals | undefined): WebSignals | undefined {
  if (!signals) return undefined;
  const out: WebSignals = {};
  for (const name of ['vector', 'image', 'caption', 'bm25'] as const) {
    const s = signals[name];
    if (s) out[name] = { rank: s.rank, score: round(s.score) };
  }
  return out;
}

/**
 * `figureUrls` maps figure ids to the URLs their images were copied to (figures missing
 * from it are shown by caption only).
 */
export function toWebAnswer(answer: Answer, figureUrls: ReadonlyMap<string, string>): WebAnswer {
  const cited = new Set(answer.sources.map((s) => s.id));
  const attached = new Set(answer.figures.map((f) => f.id));
  const shown = new Set(answer.retrieval?.shownToModel ?? []);
  const dims = new Map((answer.retrieval?.figures ?? []).map((f) => [f.id, { width: f.width, height: f.height }]));
  return {
    text: answer.text,
    mode: answer.mode,
    level: answer.level,
    sources: answer.sources.map((s) => ({ n: s.n, title: s.title, section: s.section, source: s.source, page: s.page, href: sourceHref(s.source) })),
    figures: answer.figures.map((f) => ({
      n: f.n,
      id: f.id,
      caption: f.caption,
      title: f.title,
      section: f.section,
      source: f.source,
      url: figureUrls.get(f.id),
      width: dims.get(f.id)?.width,
      height: dims.get(f.id)?.height,
    })),
    timings: Object.fromEntries(Object.entries(answer.timings).map(([k, v]) => [k, Math.round(v * 10) / 10])),
    why: answer.retrieval && {
      chunks: answer.retrieval.chunks.map((c) => ({
        id: c.id,
        title: c.title,
        section: c.section,
        source: c.source,
        snippet: shorten(c.text, WHY_SNIPPET_CHARS),
        score: round(c.score),
        signals: webSignals(c.signals),
        cited: cited.has(c.id),
      })),
      figures: answer.retrieval.figures.map((f) => ({
        id: f.id,
        caption: shorten(f.caption, WHY_SNIPPET_CHARS),
        title: f.title,
        section: f.section,
        source: f.source,
        score: round(f.score),
        signals: webSignals(f.signals),
        shownToModel: shown.has(f.id),
        attached: attached.has(f.id),
      })),
    },
  };
}

export { shorten };
