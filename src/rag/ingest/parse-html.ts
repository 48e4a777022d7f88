/**
 * HTML (a saved blog post is the reference input) → blocks and figures. Title: <title>, else
 * the first <h1>. Everything else — sections, paragraphs, tables, figures and their captions —
 * comes from one walk over the page (html-walker.ts). The caller decodes the bytes
 * (decode-text.ts: BOM, HTTP charset, <meta charset>, UTF-8).
 */
import { walkHtml, type WalkContext } from './html-walker.js';
import { ParseError, type ParsedDocument } from './parsed.js';

export function parseHtml(html: string, fallbackTitle: string): ParsedDocument {
  const ctx: WalkContext = { section: '', lastParagraph: '', blocks: [], figures: [], skipped: [] };
  const { title, firstH1, sawBody } = walkHtml(html, ctx);
  // A saved page without <body> markup still has a body for the HTML parser, so judge by content.
  if (ctx.blocks.length === 0 && ctx.figures.length === 0) {
    throw new ParseError(sawBody ? 'the HTML body has no text or images' : 'the HTML has no body (no text or images)');
  }
  return { kind: 'html', title: title || firstH1 || fallbackTitle, blocks: ctx.blocks, figures: ctx.figures, skipped: ctx.skipped };
}
