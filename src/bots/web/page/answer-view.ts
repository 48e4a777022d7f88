/**
 * One question and its answer on the page: the question bubble and the answer `<article>`,
 * updated as the conversation's events arrive (status → streamed text → final answer with
 * figures, sources, the "why" panel and the rating buttons).
 */
import type { WebAnswer, WebFigure } from '../protocol.js';
import { rate } from './api.js';
import { h, heading } from './dom.js';
import { renderMarkdown } from './render.js';
import { levelLabel, whyPanel } from './scores.js';

export interface AnswerViewHooks {
  /** Open a figure at full size. */
  showFigure(url: string, caption: string): void;
  /** Tell screen-reader users something happened (one short sentence). */
  announce(text: string): void;
}

const STATUS: Record<string, string> = {
  queued: 'Waiting for a worker…',
  thinking: 'Searching the documents and writing the answer…',
};
/** A question no worker took after this long gets a hint (`mrag web` alone answers nothing). */
const NO_WORKER_HINT_MS = 15_000;
const NO_WORKER_HINT = 'Still waiting for a worker: the queue may be busy, or no `mrag worker` is running.';

export class AnswerView {
  readonly question: HTMLElement;
  readonly article: HTMLElement;
  private readonly status: HTMLElement;
  private readonly body: HTMLElement;
  private text = '';
  private started = false;
  private renderQueued = false;
  private finished = false;
  private feedbackButtons?: { up: HTMLButtonElement; down: HTMLButtonElement; status: HTMLElement };

  constructor(
    readonly answerId: string,
    questionText: string,
    imageName: string | undefined,
    private readonly hooks: AnswerViewHooks,
  ) {
    this.question = h('div', { class: 'question' }, h('p', {}, questionText), imageName ? h('span', { class: 'chip' }, `📎 ${imageName}`) : null);
    this.status = h('p', { class: 'status-line' }, STATUS.queued);
    this.body = h('div', { class: 'answer-text' });
    this.article = h('article', { class: 'answer', id: this.anchor, 'aria-label': `Answer to: ${questionText.slice(0, 80)}`, 'aria-busy': 'true' }, this.status, this.body);
    setTimeout(() => {
      if (!this.started && !this.finished) this.status.textContent = NO_WORKER_HINT;
    }, NO_WORKER_HINT_MS);
  }

  private get anchor(): string {
    return `a-${this.answerId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  }

  setStatus(status: 'queued' | 'thinking'): void {
    if (status === 'thinking') this.started = true;
    if (!this.finished && !this.text) this.status.textContent = STATUS[status] ?? '';
  }

  appendText(delta: string): void {
    this.setText(this.text + delta);
  }

  setText(text: string): void {
    if (this.finished) return;
    this.started = true;
    this.text = text;
    this.status.hidden = true;
    // Coalesce renders to one per frame however fast the tokens come.
    if (this.renderQueued) return;
    this.renderQueued = true;
    requestAnimationFrame(() => {
      this.renderQueued = false;
      if (!this.finished) this.body.innerHTML = renderMarkdown(this.text, this.anchor);
    });
  }

  finish(answer: WebAnswer): void {
    this.finished = true;
    this.text = answer.text;
    const article = this.article;
    article.replaceChildren();
    article.setAttribute('aria-busy', 'false');
    const badges = h('div', { class: 'badges' });
    badges.append(
      answer.mode === 'llm'
        ? h('span', { class: 'badge mode-llm', 'data-mode': 'llm' }, 'Answered by the language model')
        : h('span', { class: 'badge mode-retrieval-only', 'data-mode': 'retrieval-only' }, 'Retrieval-only answer (no language model)'),
    );
    const level = levelLabel(answer.level);
    if (level) badges.append(h('span', { class: 'badge', 'data-level': answer.level }, level));
    const body = h('div', { class: 'answer-text' });
    body.innerHTML = renderMarkdown(answer.text, this.anchor);
    article.append(badges, body);
    if (answer.figures.length > 0) article.append(h('div', { class: 'figures' }, ...answer.figures.map((f) => this.figure(f))));
    if (answer.sources.length > 0) {
      const list = h('ol');
      for (const s of answer.sources) {
        const where = s.page !== undefined ? `${s.source}, p. ${s.page}` : s.source;
        list.append(
          h('li', { id: `${this.anchor}-s${s.n}`, value: s.n }, h('a', { href: s.href, target: '_blank', rel: 'noopener noreferrer' }, heading(s.title, s.section)), h('span', { class: 'from' }, where)),
        );
      }
      article.append(h('section', { class: 'sources', 'aria-label': 'Sources' }, h('h3', {}, 'Sources'), list));
    }
    article.append(whyPanel(answer), this.feedback());
    this.hooks.announce(answer.mode === 'llm' ? 'Answer ready.' : 'Retrieval-only answer ready.');
  }

  fail(message: string): void {
    this.finished = true;
    this.article.setAttribute('aria-busy', 'false');
    this.article.replaceChildren(h('p', { class: 'error-text', role: 'alert' }, `⚠️ ${message}`));
  }

  /** Show a rating already given (from the stream, or just now). */
  setRating(rating: 'up' | 'down'): void {
    if (!this.feedbackButtons) return;
    this.feedbackButtons.up.setAttribute('aria-pressed', String(rating === 'up'));
    this.feedbackButtons.down.setAttribute('aria-pressed', String(rating === 'down'));
    this.feedbackButtons.status.textContent = 'Thanks for the feedback.';
  }

  private figure(f: WebFigure): HTMLElement {
    const caption = f.caption || heading(f.title, f.section);
    const label = `[F${f.n}] ${caption}`;
    if (!f.url) return h('figure', { id: `${this.anchor}-f${f.n}` }, h('figcaption', {}, `${label} (image unavailable)`));
    const img = h('img', { src: f.url, alt: caption, width: f.width, height: f.height, loading: 'lazy' });
    const link = h('a', { href: f.url, target: '_blank', rel: 'noopener', 'aria-label': `Open figure F${f.n} at full size` }, img);
    link.addEventListener('click', (event) => {
      event.preventDefault();
      this.hooks.showFigure(f.url!, label);
    });
    return h(
      'figure',
      { id: `${this.anchor}-f${f.n}` },
      link,
      h('figcaption', {}, h('span', { class: 'caption-text', title: label }, label), h('span', { class: 'from' }, heading(f.title, f.section))),
    );
  }

  private feedback(): HTMLElement {
    const up = h('button', { type: 'button', 'aria-label': 'Helpful', 'aria-pressed': 'false' }, '👍');
    const down = h('button', { type: 'button', 'aria-label': 'Not helpful', 'aria-pressed': 'false' }, '👎');
    const status = h('span', { class: 'feedback-status', role: 'status' });
    this.feedbackButtons = { up, down, status };
    const send = async (rating: 'up' | 'down') => {
      up.disabled = down.disabled = true;
      try {
        await rate(this.answerId, rating);
        this.setRating(rating);
      } catch (err) {
        status.textContent = err instanceof Error ? err.message : 'Could not save the rating.';
      } finally {
        up.disabled = down.disabled = false;
      }
    };
    up.addEventListener('click', () => void send('up'));
    down.addEventListener('click', () => void send('down'));
    return h('div', { class: 'feedback', role: 'group', 'aria-label': 'Rate this answer' }, up, down, status);
  }
}
