/**
 * Markdown tables (GitHub style, as models write them) made legible in chat: neither Slack
 * mrkdwn nor Discord renders `| a | b |` tables, so each table becomes a fenced code block
 * with aligned columns. Shared by the Slack and Discord formatters.
 *
 *   | Model | Dim |            ```
 *   |-------|----:|     →      Model | Dim
 *   | CLIP  | 512 |            ------+----
 *                              CLIP  | 512
 *                              ```
 *
 * Text inside code fences is left alone. A table still being written (the last lines of a
 * streaming answer) can be held back with `openTableStart`.
 */

/** Characters a cell keeps: code blocks wrap on narrow screens, and very wide cells help nobody. */
export const MAX_CELL_CHARS = 60;

const DELIMITER_ROW = /^\s*\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;
const FENCE = /^\s*(```|~~~)/;

const isTableLine = (line: string) => line.includes('|') && line.trim() !== '';

/** The cells of one row: outer pipes dropped, escaped pipes (`\|`) kept inside a cell. */
export function splitRow(line: string): string[] {
  let row = line.trim();
  if (row.startsWith('|')) row = row.slice(1);
  if (row.endsWith('|') && !row.endsWith('\\|')) row = row.slice(0, -1);
  return row.split(/(?<!\\)\|/).map((cell) => plainCell(cell.replace(/\\\|/g, '|')));
}

/** Inline Markdown a code block would show literally: emphasis marks, code ticks, link syntax. */
function plainCell(cell: string): string {
  const text = cell
    .trim()
    .replace(/!?\[([^\]]*)\]\((\S+?)(?:\s+"[^"]*")?\)/g, (_m, label: string, url: string) => (label ? `${label} (${url})` : url))
    .replace(/\*\*|__|`/g, '')
    .replace(/<br\s*\/?>/gi, ' ');
  return text.length <= MAX_CELL_CHARS ? text : `${text.slice(0, MAX_CELL_CHARS - 1)}…`;
}

/** A table (header + body rows) as aligned plain-text lines. */
export function renderTable(rows: string[][]): string[] {
  const columns = Math.max(...rows.map((r) => r.length));
  const cells = rows.map((r) => Array.from({ length: columns }, (_, i) => r[i] ?? ''));
  const widths = Array.from({ length: columns }, (_, i) => Math.max(1, ...cells.map((r) => r[i]!.length)));
  const line = (r: string[]) => r.map((c, i) => c.padEnd(widths[i]!)).join(' | ').trimEnd();
  const [header, ...body] = cells;
  return [line(header!), widths.map((w) => '-'.repeat(w)).join('-+-'), ...body.map(line)];
}

interface TableSpan {
  start: number;
  /** Index after the last row. */
  end: number;
}

/** Every table outside code fences: a header line, a delimiter line, then rows until a line without `|`. */
function findTables(lines: readonly string[]): TableSpan[] {
  const spans: TableSpan[] = [];
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (FENCE.test(line)) {
      inFence = !inFence;
      continue;
    }
    if (inFence || !isTableLine(line) || i + 1 >= lines.length || !DELIMITER_ROW.test(lines[i + 1]!) || !lines[i + 1]!.includes('-')) continue;
    let end = i + 2;
    while (end < lines.length && isTableLine(lines[end]!) && !FENCE.test(lines[end]!)) end++;
    spans.push({ start: i, end });
    i = end - 1;
  }
  return spans;
}

/** Replace every Markdown table by a fenced code block of aligned columns. */
export function tablesToCodeBlocks(markdown: string): string {
  const lines = markdown.replace(/\r\n?/g, '\n').split('\n');
  const spans = findTables(lines);
  if (spans.length === 0) return markdown;
  const out: string[] = [];
  let at = 0;
  for (const span of spans) {
    out.push(...lines.slice(at, span.start));
    const rows = [lines[span.start]!, ...lines.slice(span.start + 2, span.end)].map(splitRow);
    out.push('```', ...renderTable(rows), '```');
    at = span.end;
  }
  out.push(...lines.slice(at));
  return out.join('\n');
}

/** A line that starts like a table row (models write tables with leading pipes). */
const startsLikeRow = (line: string) => /^\s*\|/.test(line);

/**
 * For streaming: the offset where a table that may still grow begins (the text's last
 * lines start like table rows), or undefined when the text does not end inside a table.
 * Text before the offset can be shown for good. (A table written without leading pipes
 * is not held back; the caller repairs that rare case when the answer is complete.)
 */
export function openTableStart(markdown: string): number | undefined {
  const lines = markdown.split('\n');
  let inFence = false;
  for (const line of lines) if (FENCE.test(line)) inFence = !inFence;
  if (inFence) return undefined;
  let first = lines.length;
  while (first > 0 && startsLikeRow(lines[first - 1]!)) first--;
  if (first === lines.length) return undefined;
  return lines.slice(0, first).reduce((n, l) => n + l.length + 1, 0);
}
