/**
 * Markdown → blocks and figures. Front matter (YAML/TOML) is metadata: its `title` is the
 * document title (front-matter.ts). Headings h1–h3 set the section; paragraphs, list items,
 * quotes and code become text blocks; tables become table blocks (rows kept whole, header
 * repeated by the chunker). Every `![alt](src "title")` is a figure captioned by its alt text,
 * else its title, else the paragraph around it, else the one before. Raw HTML — a README's
 * `<p align="center"><img …></p>`, an inline `<img width="24">`, an HTML table — goes through
 * the same walker as HTML pages (html-walker.ts), so it yields the same blocks and figures.
 */
import { marked, type Token, type Tokens } from 'marked';
import { splitFrontMatter } from './front-matter.js';
import { CELL_SEPARATOR } from './html-table.js';
import { walkHtml, type WalkContext } from './html-walker.js';
import { ParseError, type ParsedDocument } from './parsed.js';

interface InlineImage {
  href: string;
  alt: string;
  title: string;
}

/** Plain text of inline tokens, collecting Markdown images and inline HTML on the way. */
function inlineText(tokens: Token[] | undefined, images: InlineImage[], html: string[]): string {
  if (!tokens) return '';
  let out = '';
  for (const t of tokens) {
    if (t.type === 'image') {
      const img = t as Tokens.Image;
      images.push({ href: img.href, alt: img.text ?? '', title: img.title ?? '' });
      continue;
    }
    if (t.type === 'br') out += ' ';
    else if (t.type === 'html') {
      html.push(t.raw);
      out += ' ';
    } else if ('tokens' in t && Array.isArray(t.tokens)) out += inlineText(t.tokens, images, html);
    else out += 'text' in t && typeof t.text === 'string' ? t.text : t.raw;
  }
  return out.replace(/\s+/g, ' ').trim();
}

export function parseMarkdown(markdown: string, fallbackTitle: string): ParsedDocument {
  const front = splitFrontMatter(markdown);
  const tokens = marked.lexer(front.body);
  const ctx: WalkContext = { section: '', lastParagraph: '', blocks: [], figures: [], skipped: [] };
  let title = front.title ?? '';

  const addText = (text: string, images: InlineImage[], inlineHtml: string[] = []) => {
    const before = ctx.lastParagraph;
    for (const img of images) {
      ctx.figures.push({ section: ctx.section, caption: img.alt.trim() || img.title.trim() || text || before, source: { ref: img.href } });
    }
    if (inlineHtml.some((h) => /<(img|picture|svg|source|object|embed)\b/i.test(h))) {
      // Inline HTML images: walk the tags alone (their text is already in `text`), captioned by the paragraph.
      const figures = ctx.figures.length;
      walkHtml(inlineHtml.join(''), { ...ctx, blocks: [], lastParagraph: text || before });
      for (const f of ctx.figures.slice(figures)) f.caption ||= text || before;
    }
    if (text) {
      ctx.blocks.push({ section: ctx.section, text });
      ctx.lastParagraph = text;
    }
  };

  const walk = (list: Token[]) => {
    for (const t of list) {
      const images: InlineImage[] = [];
      const html: string[] = [];
      switch (t.type) {
        case 'heading': {
          const h = t as Tokens.Heading;
          const text = inlineText(h.tokens, images, html);
          if (h.depth === 1 && !title) title = text;
          if (h.depth <= 3) ctx.section = text;
          else addText(text, []);
          addText('', images, html);
          break;
        }
        case 'paragraph':
        case 'text': {
          const p = t as Tokens.Paragraph;
          addText(p.tokens ? inlineText(p.tokens, images, html) : p.text.replace(/\s+/g, ' ').trim(), images, html);
          break;
        }
        case 'list':
          for (const item of (t as Tokens.List).items) walk(item.tokens);
          break;
        case 'blockquote':
          walk((t as Tokens.Blockquote).tokens);
          break;
        case 'code':
          addText((t as Tokens.Code).text, []);
          break;
        case 'html': {
          const result = walkHtml((t as Tokens.HTML).raw, ctx);
          if (result.firstH1 && !title) title = result.firstH1;
          break;
        }
        case 'table': {
          const table = t as Tokens.Table;
          const row = (cells: Tokens.TableCell[]) => cells.map((c) => inlineText(c.tokens, images, html)).join(CELL_SEPARATOR);
          const header = row(table.header);
          const rows = table.rows.map(row).filter((r) => r.replace(/[\s|]/g, ''));
          ctx.blocks.push({ section: ctx.section, text: [header, ...rows].join('\n'), table: { header, rows } });
          ctx.lastParagraph = header;
          addText('', images, html);
          break;
        }
        default:
          break;
      }
    }
  };
  walk(tokens);
  if (ctx.blocks.length === 0 && ctx.figures.length === 0) throw new ParseError('no text or figures found');
  return {
    kind: 'markdown',
    title: title || fallbackTitle,
    blocks: ctx.blocks,
    figures: ctx.figures,
    skipped: ctx.skipped,
    ...(front.warning ? { warnings: [front.warning] } : {}),
  };
}

/** Plain text: paragraphs separated by blank lines, no sections. */
export function parsePlainText(text: string, fallbackTitle: string): ParsedDocument {
  const paragraphs = text.split(/\n\s*\n/).map((p) => p.replace(/\s+/g, ' ').trim()).filter(Boolean);
  if (paragraphs.length === 0) throw new ParseError('the file is empty');
  return { kind: 'text', title: fallbackTitle, blocks: paragraphs.map((p) => ({ section: '', text: p })), figures: [] };
}
