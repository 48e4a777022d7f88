/**
 * Token-aware chunking for CLIP's 77-token text encoder.
 *
 * Each embedded window is `section: words…` and fits the token budget (special tokens
 * included), measured with the model's own tokenizer. Long paragraphs become overlapping
 * windows; short neighbouring paragraphs of the same section share one window. The full
 * paragraph(s) go to `context`, which is what the LLM reads.
 *
 * Tables: one line per row; every chunk holding rows starts with the column headers and
 * holds whole rows only (so "Team | 15 MB | 21 days" is never cut from its headers). A single
 * row longer than a window is split into windows of that row, each under the headers, with the
 * whole row as context.
 */
import type { ParsedBlock, ParsedTable } from './parsed.js';

export interface TokenCounter {
  countTokens(text: string): number;
  /** Budget of one window including the start/end tokens (77 for CLIP). */
  maxTokens: number;
}

export interface ChunkDraft {
  section: string;
  text: string;
  context: string;
  page?: number;
}

/** Share of a window repeated at the start of the next one. */
const OVERLAP = 0.25;
/** The section prefix may use at most this share of the window. */
const MAX_PREFIX = 0.4;

const words = (text: string) => text.split(/\s+/).filter(Boolean);

function makeCounter(counter: TokenCounter) {
  const cache = new Map<string, number>();
  return (text: string) => {
    let n = cache.get(text);
    if (n === undefined) {
      n = counter.countTokens(text);
      if (cache.size < 50_000) cache.set(text, n);
    }
    return n;
  };
}

/** Cut `text` to at most `budget` tokens (by words, then characters). */
function truncateToTokens(text: string, budget: number, count: (t: string) => number): string {
  if (count(text) <= budget) return text;
  const ws = words(text);
  while (ws.length > 1 && count(ws.join(' ')) > budget) ws.pop();
  let out = ws.join(' ');
  while (out.length > 0 && count(out) > budget) out = out.slice(0, -1);
  return out;
}

/** Split a word that alone exceeds the budget (a long URL, a hash) into pieces that fit. */
function splitLongWord(word: string, budget: number, count: (t: string) => number): string[] {
  const pieces: string[] = [];
  let rest = word;
  while (rest.length > 0) {
    let take = Math.min(rest.length, budget * 2);
    while (take > 1 && count(rest.slice(0, take)) > budget) take = Math.floor(take * 0.75);
    pieces.push(rest.slice(0, take));
    rest = rest.slice(take);
  }
  return pieces;
}

/** Overlapping windows of `ws` that each fit `budget` tokens. */
function windows(ws: string[], budget: number, count: (t: string) => number): string[] {
  const items = ws.flatMap((w) => (count(w) > budget ? splitLongWord(w, budget, count) : [w]));
  const cost = items.map(count);
  const out: string[] = [];
  let start = 0;
  while (start < items.length) {
    let end = start;
    let used = 0;
    while (end < items.length && used + cost[end]! <= budget) used += cost[end++]!;
    if (end === start) end = start + 1; // cannot happen after splitLongWord, but never loop forever
    // Tokenizers that merge across spaces could make the joined text longer than the sum.
    while (end - start > 1 && count(items.slice(start, end).join(' ')) > budget) end--;
    out.push(items.slice(start, end).join(' '));
    if (end >= items.length) break;
    let back = end;
    let overlap = 0;
    while (back - 1 > start && overlap + cost[back - 1]! <= budget * OVERLAP) overlap += cost[--back]!;
    start = back;
  }
  return out;
}

/** Share of a window the header of a table may use (longer headers are cut in the embedded text, kept in the context). */
const MAX_TABLE_HEADER = 0.5;

function chunkTable(table: ParsedTable, section: string, prefix: string, page: number | undefined, budget: number, count: (t: string) => number): ChunkDraft[] {
  const headerFull = table.header.replace(/\s+/g, ' ').trim();
  const header = headerFull ? truncateToTokens(headerFull, Math.floor((budget - count(prefix)) * MAX_TABLE_HEADER), count) : '';
  const head = prefix + (header ? header + '\n' : '');
  const drafts: ChunkDraft[] = [];
  const emit = (rows: string[], text = head + rows.join('\n')) =>
    drafts.push({ section, text, context: [headerFull, ...rows].filter(Boolean).join('\n'), page });
  let rows: string[] = [];
  for (const raw of table.rows) {
    const row = raw.replace(/\s+/g, ' ').trim();
    if (!row) continue;
    if (rows.length && count(head + [...rows, row].join('\n')) <= budget) {
      rows.push(row);
      continue;
    }
    if (rows.length) emit(rows);
    rows = [];
    if (count(head + row) <= budget) {
      rows = [row];
      continue;
    }
    for (const window of windows(words(row), budget - count(head), count)) emit([row], truncateToTokens(head + window, budget, count));
  }
  if (rows.length) emit(rows);
  return drafts;
}

export function chunkBlocks(blocks: ParsedBlock[], counter: TokenCounter): ChunkDraft[] {
  const count = makeCounter(counter);
  const budget = counter.maxTokens - 2; // <|startoftext|> and <|endoftext|>
  const drafts: ChunkDraft[] = [];
  let pending: { section: string; page?: number; prefix: string; paragraphs: string[] } | undefined;

  const flush = () => {
    if (!pending) return;
    const body = pending.paragraphs.join(' ');
    drafts.push({ section: pending.section, text: pending.prefix + body, context: pending.paragraphs.join('\n\n'), page: pending.page });
    pending = undefined;
  };

  for (const block of blocks) {
    const text = block.text.replace(/\s+/g, ' ').trim();
    if (!text) continue;
    const section = block.section.trim();
    const prefix = section ? truncateToTokens(section, Math.floor(budget * MAX_PREFIX), count) + ': ' : '';
    if (block.table) {
      flush();
      drafts.push(...chunkTable(block.table, section, prefix, block.page, budget, count));
      continue;
    }
    const room = budget - (prefix ? count(prefix) : 0);
    if (pending && (pending.section !== section || pending.page !== block.page)) flush();
    if (pending && count(pending.prefix + [...pending.paragraphs, text].join(' ')) <= budget) {
      pending.paragraphs.push(text);
      continue;
    }
    flush();
    if (count(prefix + text) <= budget) {
      pending = { section, page: block.page, prefix, paragraphs: [text] };
      continue;
    }
    for (const window of windows(words(text), room, count)) {
      drafts.push({ section, text: truncateToTokens(prefix + window, budget, count), context: text, page: block.page });
    }
  }
  flush();
  return drafts;
}
