/**
 * Markdown → safe HTML for answers. Two nets, because answers are written by a model that
 * read untrusted documents:
 * 1. marked renders raw HTML in the Markdown as visible text (escaped), so a `<script>` or
 *    `<img onerror=…>` in an answer is shown, not parsed;
 * 2. DOMPurify sanitises what marked produced (drops `javascript:` links, event handlers,
 *    images, forms, styles).
 * Citation markers `[1]` / `[F1]` become links to the answer's numbered sources/figures.
 */
import DOMPurify from 'dompurify';
import { Marked } from 'marked';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const marked = new Marked({
  gfm: true,
  breaks: false,
  renderer: {
    html: ({ text }) => escapeHtml(text),
  },
});

DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    const href = node.getAttribute('href') ?? '';
    if (!href.startsWith('#')) {
      node.setAttribute('target', '_blank');
      node.setAttribute('rel', 'noopener noreferrer');
    }
  }
});

const PURIFY = {
  USE_PROFILES: { html: true },
  // Answers are text: figures are shown by the page itself, never from the model's Markdown.
  FORBID_TAGS: ['img', 'style', 'form', 'input', 'button', 'textarea', 'select', 'iframe', 'video', 'audio', 'svg', 'math'],
  FORBID_ATTR: ['style', 'srcset'],
};

/** `[n]` → link to source n, `[Fn]` → link to figure n of the answer `anchorPrefix`. */
function linkCitations(markdown: string, anchorPrefix: string): string {
  return markdown.replace(/\[(F?)(\d{1,2})\](?!\()/g, (_m, f: string, n: string) => `[\\[${f}${n}\\]](#${anchorPrefix}-${f ? 'f' : 's'}${n})`);
}

/** Sanitised HTML for an answer's Markdown. */
export function renderMarkdown(markdown: string, anchorPrefix: string): string {
  const html = marked.parse(linkCitations(markdown, anchorPrefix), { async: false });
  return DOMPurify.sanitize(html, PURIFY);
}
