/**
 * Markdown → blocks and figures. Headings h1–h3 set the section; paragraphs, list items,
 * quotes, tables and code become text blocks; every `![alt](src "title")` becomes a figure
 * whose caption is its alt text, else its title, else the nearest preceding paragraph.
 */
import { marked, type Token, type Tokens } from 'marked';
import { ParseError, type ParsedBlock, type ParsedDocument, type ParsedFigure } from './parsed.js';

interface InlineImage {
  href: string;
  alt: string;
  title: string;
}

/** Plain text of inline tokens, collecting images on the way. */
function inlineText(tokens: Token[] | undefined, images: InlineImage[]): string {
  if (!tokens) return '';
  let out = '';
  for (const t of tokens) {
    if (t.type === 'image') {
      const img = t as Tokens.Image;
      images.push({ href: img.href, alt: img.text ?? '', title: img.title ?? '' });
      continue;
    }
    if (t.type === 'br') out += ' ';
    else if ('tokens' in t && Array.isArray(t.tokens)) out += inlineText(t.tokens, images);
    else if (t.type === 'html') out += '';
    else out += 'text' in t && typeof t.text === 'string' ? t.text : t.raw;
  }
  return out.replace(/\s+/g, ' ').trim();
}

export function parseMarkdown(markdown: string, fallbackTitle: string): ParsedDocument {
  const tokens = marked.lexer(markdown);
  const blocks: ParsedBlock[] = [];
  const figures: ParsedFigure[] = [];
  let title = '';
  let section = '';
  let lastParagraph = '';

  const addText = (text: string, images: InlineImage[]) => {
    for (const img of images) {
      figures.push({ section, caption: img.alt.trim() || img.title.trim() || text || lastParagraph, source: { ref: img.href } });
    }
    if (text) {
      blocks.push({ section, text });
      lastParagraph = text;
    }
  };

  const walk = (list: Token[]) => {
    for (const t of list) {
      const images: InlineImage[] = [];
      switch (t.type) {
        case 'heading': {
          const h = t as Tokens.Heading;
          const text = inlineText(h.tokens, images);
          if (h.depth === 1 && !title) title = text;
          if (h.depth <= 3) section = text;
          else addText(text, []);
          addText('', images);
          break;
        }
        case 'paragraph':
        case 'text':
          addText(inlineText((t as Tokens.Paragraph).tokens, images), images);
          break;
        case 'list':
          for (const item of (t as Tokens.List).items) walk(item.tokens);
          break;
        case 'blockquote':
          walk((t as Tokens.Blockquote).tokens);
          break;
        case 'code':
          addText((t as Tokens.Code).text, []);
          break;
        case 'table': {
          const table = t as Tokens.Table;
          const row = (cells: Tokens.TableCell[]) => cells.map((c) => inlineText(c.tokens, images)).join(' | ');
          addText([row(table.header), ...table.rows.map(row)].join('\n'), images);
          break;
        }
        default:
          break;
      }
    }
  };
  walk(tokens);
  if (blocks.length === 0 && figures.length === 0) throw new ParseError('no text or figures found');
  return { kind: 'markdown', title: title || fallbackTitle, blocks, figures };
}

/** Plain text: paragraphs separated by blank lines, no sections. */
export function parsePlainText(text: string, fallbackTitle: string): ParsedDocument {
  const paragraphs = text.split(/\n\s*\n/).map((p) => p.replace(/\s+/g, ' ').trim()).filter(Boolean);
  if (paragraphs.length === 0) throw new ParseError('the file is empty');
  return { kind: 'text', title: fallbackTitle, blocks: paragraphs.map((p) => ({ section: '', text: p })), figures: [] };
}
