/** The format-neutral output of every parser (Markdown, HTML, text, PDF, image). */
import type { DocumentKind } from '../index/schema.js';

/** A table as rows of text: `header` is the column headers joined by " | " ('' when the table has none). */
export interface ParsedTable {
  header: string;
  /** One line per row, cells joined by " | ". */
  rows: string[];
}

export interface ParsedBlock {
  /** Current h1–h3 heading (or `Page n` for PDFs); '' before the first heading. */
  section: string;
  /** The block's text (for a table: the header and rows, a line each). */
  text: string;
  page?: number;
  /** Set for tables: the chunker keeps rows whole and repeats the header in every chunk. */
  table?: ParsedTable;
}

/**
 * Where a figure's bytes come from: references to resolve (relative path or URL; the first
 * that loads and is not a placeholder wins, e.g. a lazy-load `data-src` before the `src`
 * placeholder), or bytes in hand (PDF images, inline SVG).
 */
export type FigureSource = { ref: string; alternates?: string[] } | { bytes: Uint8Array; name: string };

export interface ParsedFigure {
  section: string;
  caption: string;
  source: FigureSource;
  page?: number;
  /** Size the document asks the viewer to show it at (HTML width/height attributes, CSS px). */
  displayed?: { width?: number; height?: number };
}

/** Something a reader sees that the parser left out on purpose, with the reason (listed in the summary). */
export interface SkippedItem {
  what: string;
  reason: string;
}

export interface ParsedDocument {
  kind: DocumentKind;
  title: string;
  blocks: ParsedBlock[];
  figures: ParsedFigure[];
  /** Notes for the summary (a guessed charset, a page without a text layer…). */
  warnings?: string[];
  skipped?: SkippedItem[];
  /** PDF pages without a text layer, rendered, for OCR (their text becomes the page's blocks). */
  scannedPages?: Array<{ page: number; image: Uint8Array }>;
}

/** A parser's refusal: the document is reported as failed with this reason. */
export class ParseError extends Error {
  override readonly name = 'ParseError';
}
