/**
 * One pass over HTML (a whole page, or a fragment inside Markdown) collecting what a reader
 * sees: text blocks under their h1–h3 section, tables (html-table.ts), and figures — every
 * `<img>` (real source behind lazy-load attributes and `srcset`, html-images.ts), `<picture>`,
 * the `<noscript>` copy of a scripted image, `<object>`/`<embed>` SVGs, and inline `<svg>`
 * (kept as SVG source, rasterised later). Text outside paragraphs (a bare `<div>`) is kept too.
 * Navigation, scripts, styles, forms and hidden elements are skipped.
 *
 * Captions: alt text and the enclosing `<figure>`'s `<figcaption>` (both when both exist), else
 * the `title` attribute (an SVG's `<title>`), else the nearest preceding paragraph.
 */
import { Parser } from 'htmlparser2';
import { declaredSize, imageCandidates, isHidden, isInlinePlaceholder } from './html-images.js';
import { HtmlTableBuilder } from './html-table.js';
import type { ParsedBlock, ParsedFigure, SkippedItem } from './parsed.js';

const SKIP = new Set(['script', 'style', 'nav', 'footer', 'head', 'template', 'button', 'form', 'select', 'textarea', 'iframe', 'dialog']);
const TEXT_BLOCKS = new Set(['p', 'li', 'blockquote', 'pre', 'dd', 'dt', 'figcaption', 'h4', 'h5', 'h6', 'caption']);
const HEADINGS = new Set(['h1', 'h2', 'h3']);
/** Elements that end a run of loose text (text not inside a paragraph-like element). */
const BLOCK_LEVEL = new Set(['html', 'body', 'div', 'section', 'article', 'main', 'aside', 'header', 'figure', 'ul', 'ol', 'dl', 'table', 'tr', 'hr', 'center', 'address', 'details', 'summary', 'fieldset', 'picture', 'svg']);
const SVG_NS = 'http://www.w3.org/2000/svg';
const XLINK_NS = 'http://www.w3.org/1999/xlink';

const clean = (s: string) => s.replace(/\s+/g, ' ').trim();
const joinCaption = (...parts: string[]) => [...new Set(parts.map(clean).filter(Boolean))].join(' — ');

/** State shared by a page and, for Markdown, all of its HTML fragments. */
export interface WalkContext {
  section: string;
  lastParagraph: string;
  blocks: ParsedBlock[];
  figures: ParsedFigure[];
  skipped: SkippedItem[];
}

export interface WalkResult {
  title: string;
  firstH1: string;
  sawBody: boolean;
}

interface PendingImage {
  figure: ParsedFigure;
  primary: string[];
  noscript: string[];
  fallback: string[];
  alt: string;
  title: string;
  /** The paragraph before the image (the last-resort caption). */
  before: string;
}

/** Make inline SVG markup a standalone SVG document for librsvg. */
function standaloneSvg(markup: string): string {
  let svg = markup;
  const openTag = /^<svg\b[^>]*>/i.exec(svg)?.[0] ?? '';
  if (!/\sxmlns\s*=/.test(openTag)) svg = svg.replace(/^<svg\b/i, `<svg xmlns="${SVG_NS}"`);
  if (/xlink:/.test(svg) && !/xmlns:xlink\s*=/.test(openTag)) svg = svg.replace(/^<svg\b/i, `<svg xmlns:xlink="${XLINK_NS}"`);
  return svg.replace(/&nbsp;/g, '&#160;');
}

export function walkHtml(html: string, ctx: WalkContext): WalkResult {
  const result: WalkResult = { title: '', firstH1: '', sawBody: false };
  let skipDepth = 0;
  let noscriptDepth = 0;
  let buffer: { tag: string; text: string } | undefined;
  let loose = '';
  let titleText: string | undefined;
  let openFigure: { images: PendingImage[]; caption: string } | undefined;
  let pictureSrcsets: string[] | undefined;
  let table: HtmlTableBuilder | undefined;
  let tableDepth = 0;
  let tableSection = '';
  let svg: { depth: number; start: number; attrs: Record<string, string>; title: string; inTitle: boolean } | undefined;
  let svgCount = 0;
  const pending: PendingImage[] = [];
  /** The last image, while no text came after it: a following <noscript> copy belongs to it. */
  let lastImage: PendingImage | undefined;

  const pushBlock = (text: string) => {
    const t = clean(text);
    if (!t) return;
    ctx.blocks.push({ section: ctx.section, text: t });
    ctx.lastParagraph = t;
    lastImage = undefined;
  };
  const flushLoose = () => {
    if (loose) pushBlock(loose);
    loose = '';
  };
  const addImage = (attrs: Record<string, string>, inNoscript: boolean) => {
    const { primary, fallback } = imageCandidates(attrs, pictureSrcsets);
    if (inNoscript && lastImage) {
      lastImage.noscript.push(...primary, ...fallback);
      return;
    }
    const what = primary[0] ?? fallback[0] ?? attrs.alt ?? 'image';
    if (isHidden(attrs)) {
      ctx.skipped.push({ what: `image ${what.slice(0, 120)}`, reason: 'hidden in the page (hidden / display:none)' });
      return;
    }
    const figure: ParsedFigure = { section: ctx.section, caption: '', source: { ref: '' }, displayed: declaredSize(attrs) };
    const image: PendingImage = { figure, primary, noscript: [], fallback, alt: attrs.alt ?? '', title: attrs.title ?? '', before: ctx.lastParagraph };
    pending.push(image);
    openFigure?.images.push(image);
    lastImage = image;
  };

  const parser = new Parser(
    {
      onopentag(name, attrs) {
        if (name === 'body') result.sawBody = true;
        if (svg) {
          if (name === 'svg') svg.depth++;
          if (name === 'title' && svg.depth === 1) svg.inTitle = true;
          return;
        }
        if (name === 'title') titleText = '';
        if (SKIP.has(name)) {
          skipDepth++;
          return;
        }
        if (skipDepth > 0) return;
        if (name === 'noscript') {
          noscriptDepth++;
          return;
        }
        if (noscriptDepth > 0 && name !== 'img') return;
        if (BLOCK_LEVEL.has(name) || HEADINGS.has(name) || TEXT_BLOCKS.has(name)) flushLoose();
        if (name === 'table') {
          if (tableDepth++ === 0) {
            table = new HtmlTableBuilder();
            tableSection = ctx.section;
          }
          return;
        }
        if (table && tableDepth === 1) {
          if (name === 'thead') table.openSection(name);
          if (name === 'tr') table.openRow();
          if (name === 'td' || name === 'th') table.openCell(name === 'th');
        }
        if (name === 'figure') openFigure = { images: [], caption: '' };
        if (name === 'picture') pictureSrcsets = [];
        if (name === 'source' && pictureSrcsets && (attrs.srcset || attrs['data-srcset'])) pictureSrcsets.push(attrs.srcset || attrs['data-srcset']!);
        if (name === 'img') return addImage(attrs, noscriptDepth > 0);
        if ((name === 'object' && /\.svg(?:[?#]|$)|image\//i.test(`${attrs.data ?? ''} ${attrs.type ?? ''}`) && attrs.data) || (name === 'embed' && /\.svg(?:[?#]|$)/i.test(attrs.src ?? ''))) {
          return addImage({ ...attrs, src: attrs.data ?? attrs.src ?? '' }, false);
        }
        if (name === 'svg') {
          if (isHidden(attrs)) return; // sprite sheets and hidden icons: nothing a reader sees
          svg = { depth: 1, start: parser.startIndex, attrs, title: '', inTitle: false };
          return;
        }
        if (table) {
          table.text(' '); // cell text is collected by the table; any tag inside a cell separates words
          return;
        }
        if ((HEADINGS.has(name) || TEXT_BLOCKS.has(name)) && !buffer) buffer = { tag: name, text: '' };
        if (name === 'br') {
          if (buffer) buffer.text += ' ';
          else loose += ' ';
        }
      },
      ontext(text) {
        if (svg) {
          if (svg.inTitle) svg.title += text;
          return;
        }
        if (titleText !== undefined) titleText += text;
        if (skipDepth > 0 || noscriptDepth > 0) return;
        if (table) table.text(text);
        else if (buffer) buffer.text += text;
        else loose += text;
      },
      onclosetag(name) {
        if (svg) {
          if (name === 'title') svg.inTitle = false;
          if (name === 'svg' && --svg.depth === 0) {
            const markup = standaloneSvg(html.slice(svg.start, parser.endIndex + 1));
            const figure: ParsedFigure = {
              section: ctx.section,
              caption: '',
              source: { bytes: Buffer.from(markup, 'utf8'), name: `inline-svg-${++svgCount}.svg` },
              displayed: declaredSize(svg.attrs),
            };
            const image: PendingImage = { figure, primary: [], noscript: [], fallback: [], alt: svg.attrs['aria-label'] ?? '', title: svg.title, before: ctx.lastParagraph };
            pending.push(image);
            openFigure?.images.push(image);
            lastImage = image;
            svg = undefined;
          }
          return;
        }
        if (name === 'title' && titleText !== undefined) {
          result.title = clean(titleText);
          titleText = undefined;
        }
        if (SKIP.has(name)) {
          skipDepth = Math.max(0, skipDepth - 1);
          return;
        }
        if (skipDepth > 0) return;
        if (name === 'noscript') {
          noscriptDepth = Math.max(0, noscriptDepth - 1);
          return;
        }
        if (noscriptDepth > 0) return;
        if (name === 'table' && tableDepth > 0) {
          if (--tableDepth === 0 && table) {
            const done = table.finish();
            table = undefined;
            if (done.table) {
              const text = [done.table.header, ...done.table.rows].filter(Boolean).join('\n');
              ctx.blocks.push({ section: tableSection, text, table: done.table });
              ctx.lastParagraph = done.table.header || done.table.rows[0] || ctx.lastParagraph;
              lastImage = undefined;
            } else {
              for (const p of done.paragraphs) pushBlock(p);
            }
          }
          return;
        }
        if (table && tableDepth === 1) {
          if (name === 'thead') table.closeSection(name);
          if (name === 'td' || name === 'th') table.closeCell();
          if (name === 'tr') table.closeRow();
          return;
        }
        if (table) return;
        if (BLOCK_LEVEL.has(name)) flushLoose();
        if (name === 'picture') pictureSrcsets = undefined;
        if (buffer && buffer.tag === name) {
          const text = clean(buffer.text);
          buffer = undefined;
          if (HEADINGS.has(name)) {
            if (name === 'h1' && !result.firstH1) result.firstH1 = text;
            ctx.section = text;
            lastImage = undefined;
          } else if (name === 'figcaption' && openFigure) {
            openFigure.caption = text;
          } else {
            pushBlock(text);
          }
        }
        if (name === 'figure' && openFigure) {
          for (const image of openFigure.images) image.figure.caption = joinCaption(image.alt, openFigure.caption);
          openFigure = undefined;
        }
      },
    },
    { decodeEntities: true, lowerCaseTags: true, lowerCaseAttributeNames: true, recognizeSelfClosing: true },
  );
  parser.write(html);
  parser.end();
  flushLoose();

  for (const image of pending) {
    const { figure } = image;
    if (!figure.caption) figure.caption = joinCaption(image.alt) || joinCaption(image.title) || image.before;
    if (!('bytes' in figure.source)) {
      const all = [...new Set([...image.primary, ...image.noscript, ...image.fallback])];
      // A placeholder src stays a candidate only when nothing real is known (it then loads as tiny and is listed as skipped).
      const real = all.filter((r) => !isInlinePlaceholder(r));
      const refs = real.length ? real : all;
      if (refs.length === 0) {
        ctx.skipped.push({ what: `image "${image.alt.slice(0, 80) || 'without alt text'}"`, reason: 'no image source (no src, srcset or lazy-load attribute)' });
        continue;
      }
      figure.source = refs.length > 1 ? { ref: refs[0]!, alternates: refs.slice(1) } : { ref: refs[0]! };
    }
    ctx.figures.push(figure);
  }
  return result;
}
