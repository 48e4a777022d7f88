/**
 * HTML (a saved blog post is the reference input) → blocks and figures.
 * Title: <title>, else the first <h1>. Section: the current h1–h3. Text: paragraphs, list
 * items, quotes, cells, <pre>. Figures: every <img>; caption = alt, else the enclosing
 * <figure>'s <figcaption>, else the nearest preceding paragraph. Navigation, scripts and
 * styles are skipped.
 */
import { Parser } from 'htmlparser2';
import { ParseError, type ParsedBlock, type ParsedDocument, type ParsedFigure } from './parsed.js';

const SKIP = new Set(['script', 'style', 'noscript', 'nav', 'footer', 'head', 'template', 'svg', 'button', 'form']);
const TEXT_BLOCKS = new Set(['p', 'li', 'blockquote', 'pre', 'td', 'th', 'dd', 'dt', 'figcaption', 'h4', 'h5', 'h6']);
const HEADINGS = new Set(['h1', 'h2', 'h3']);

const clean = (s: string) => s.replace(/\s+/g, ' ').trim();

export function parseHtml(html: string, fallbackTitle: string): ParsedDocument {
  const blocks: ParsedBlock[] = [];
  const figures: ParsedFigure[] = [];
  let sawBody = false;
  let docTitle = '';
  let firstH1 = '';
  let section = '';
  let lastParagraph = '';
  let skipDepth = 0;
  let buffer: { tag: string; text: string } | undefined;
  let titleText: string | undefined;
  /** Figures inside the open <figure> that still wait for its <figcaption>. */
  let openFigure: { pending: ParsedFigure[]; caption: string } | undefined;

  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'body') sawBody = true;
        if (name === 'title') titleText = '';
        if (SKIP.has(name) && name !== 'head') skipDepth++;
        if (skipDepth > 0) return;
        if (name === 'figure') openFigure = { pending: [], caption: '' };
        if (name === 'img' && attrs.src) {
          const figure: ParsedFigure = { section, caption: clean(attrs.alt ?? ''), source: { ref: attrs.src } };
          figures.push(figure);
          if (!figure.caption) {
            if (openFigure) openFigure.pending.push(figure);
            else figure.caption = clean(attrs.title ?? '') || lastParagraph;
          }
          return;
        }
        if ((HEADINGS.has(name) || TEXT_BLOCKS.has(name)) && !buffer) buffer = { tag: name, text: '' };
        if (name === 'br' && buffer) buffer.text += ' ';
      },
      ontext(text) {
        if (titleText !== undefined) titleText += text;
        if (skipDepth === 0 && buffer) buffer.text += text;
      },
      onclosetag(name) {
        if (name === 'title' && titleText !== undefined) {
          docTitle = clean(titleText);
          titleText = undefined;
        }
        if (SKIP.has(name) && name !== 'head') {
          skipDepth = Math.max(0, skipDepth - 1);
          return;
        }
        if (skipDepth > 0) return;
        if (buffer && buffer.tag === name) {
          const text = clean(buffer.text);
          buffer = undefined;
          if (HEADINGS.has(name)) {
            if (name === 'h1' && !firstH1) firstH1 = text;
            section = text;
          } else if (name === 'figcaption' && openFigure) {
            openFigure.caption = text;
          } else if (text) {
            blocks.push({ section, text });
            lastParagraph = text;
          }
        }
        if (name === 'figure' && openFigure) {
          for (const f of openFigure.pending) f.caption = openFigure.caption || lastParagraph;
          openFigure = undefined;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true },
  );
  parser.write(html);
  parser.end();

  // A saved page without <body> markup still has a body for the HTML parser, so judge by content.
  if (blocks.length === 0 && figures.length === 0) {
    throw new ParseError(sawBody ? 'the HTML body has no text or images' : 'the HTML has no body (no text or images)');
  }
  return { kind: 'html', title: docTitle || firstH1 || fallbackTitle, blocks, figures };
}
