/** The format-neutral output of every parser (Markdown, HTML, text, PDF, image). */
import type { DocumentKind } from '../index/schema.js';

export interface ParsedBlock {
  /** Current h1–h3 heading (or `Page n` for PDFs); '' before the first heading. */
  section: string;
  text: string;
  page?: number;
}

/** Where a figure's bytes come from: a reference to resolve (relative path or URL), or bytes in hand. */
export type FigureSource = { ref: string } | { bytes: Uint8Array; name: string };

export interface ParsedFigure {
  section: string;
  caption: string;
  source: FigureSource;
  page?: number;
}

export interface ParsedDocument {
  kind: DocumentKind;
  title: string;
  blocks: ParsedBlock[];
  figures: ParsedFigure[];
}

/** A parser's refusal: the document is reported as failed with this reason. */
export class ParseError extends Error {
  override readonly name = 'ParseError';
}
