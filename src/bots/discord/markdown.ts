/**
 * Text for Discord: the answer's Markdown (Discord renders it as is) with a compact
 * "Sources" list, split into messages of at most 2000 characters at paragraph, line,
 * sentence or word boundaries — never mid-word, and never inside a code block without
 * closing it and reopening it in the next message.
 */
import type { Answer } from '../../rag/types.js';
import { tablesToCodeBlocks } from '../markdown-table.js';
import { DISCORD_MAX_CONTENT_LENGTH, DISCORD_MAX_THREAD_NAME_LENGTH } from './types.js';

const FENCE_LINE = /^\s*(`{3,}|~{3,})(.*)$/;
/** A cut must leave at least this share of the limit in the message, or it is a poor cut. */
const GOOD_CUT_SHARE = 0.5;

interface Cut {
  /** Index in the text where the current message ends. */
  pos: number;
  /** The opening fence line when the cut falls inside a code block. */
  fence?: string;
}

interface Candidates {
  paragraph: number[];
  line: number[];
  code: Cut[];
  sentence: number[];
  word: number[];
  /** Fence state at the limit, for a hard cut. */
  hardFence?: string;
}

function collectCandidates(s: string, max: number): Candidates {
  const c: Candidates = { paragraph: [], line: [], code: [], sentence: [], word: [] };
  let fence: string | undefined;
  let fenceOpenedAt = -1;
  let lineStart = 0;
  while (lineStart <= max) {
    const nl = s.indexOf('\n', lineStart);
    const lineEnd = nl === -1 ? s.length : nl;
    const line = s.slice(lineStart, lineEnd);
    if (lineEnd > max) c.hardFence = fence;
    if (!fence) {
      for (const m of line.matchAll(/[.!?:;]["')\]*_]*(?= )/g)) {
        const pos = lineStart + m.index + m[0].length;
        if (pos <= max) c.sentence.push(pos);
      }
      for (const m of line.matchAll(/ /g)) {
        const pos = lineStart + m.index;
        if (pos <= max) c.word.push(pos);
      }
    }
    const fenceMatch = FENCE_LINE.exec(line);
    if (fenceMatch) {
      if (!fence) {
        fence = line.trim().slice(0, 24); // keep the language tag, bounded
        fenceOpenedAt = lineEnd;
      } else if (fenceMatch[2]!.trim() === '') {
        fence = undefined;
      }
    }
    if (nl === -1 || lineEnd > max) break;
    if (!fence) {
      (s[lineEnd + 1] === '\n' ? c.paragraph : c.line).push(lineEnd);
    } else if (lineEnd > fenceOpenedAt && lineEnd + 4 <= max) {
      c.code.push({ pos: lineEnd, fence });
    }
    lineStart = nl + 1;
  }
  return c;
}

function chooseCut(s: string, max: number): Cut {
  const c = collectCandidates(s, max);
  const good = (pos: number) => pos >= max * GOOD_CUT_SHARE;
  const last = <T>(xs: T[], ok: (x: T) => boolean): T | undefined => [...xs].reverse().find(ok);
  const byPreference: (() => Cut | undefined)[] = [
    () => pick(last(c.paragraph, good)),
    () => pick(last(c.line, good)),
    () => last(c.code, (x) => good(x.pos)),
    () => pick(last(c.sentence, good)),
    () => pick(last(c.word, good)),
    () => pick(last(c.paragraph, (p) => p > 0) ?? last(c.line, (p) => p > 0)),
    () => last(c.code, (x) => x.pos > 0),
    () => pick(last(c.sentence, (p) => p > 0) ?? last(c.word, (p) => p > 0)),
  ];
  for (const candidate of byPreference) {
    const cut = candidate();
    if (cut) return cut;
  }
  // One "word" longer than a message (a URL, a base64 blob): nothing better than a hard cut.
  return c.hardFence ? { pos: max - 4, fence: c.hardFence } : { pos: max };
}

function pick(pos: number | undefined): Cut | undefined {
  return pos === undefined ? undefined : { pos };
}

/** Split Markdown into messages of at most `max` characters. */
export function splitMessage(text: string, max: number = DISCORD_MAX_CONTENT_LENGTH): string[] {
  const parts: string[] = [];
  let rest = text.trim();
  while (rest.length > max) {
    const cut = chooseCut(rest, max);
    if (cut.fence) {
      const closing = /^\s*~/.test(cut.fence) ? '~~~' : '```';
      parts.push(`${rest.slice(0, cut.pos).trimEnd()}\n${closing}`);
      rest = `${cut.fence}\n${rest.slice(cut.pos).replace(/^\n/, '')}`;
    } else {
      parts.push(rest.slice(0, cut.pos).trimEnd());
      rest = rest.slice(cut.pos).replace(/^\s+/, '');
    }
  }
  if (rest.length > 0) parts.push(rest);
  return parts;
}

/** Remove `<@id>` / `<@!id>` mentions of the bot and tidy the spacing. */
export function stripBotMention(content: string, botId: string): string {
  return content
    .replace(new RegExp(`<@!?${botId}>`, 'g'), ' ')
    .replace(/[ \t]+/g, ' ')
    .trim();
}

/** A thread name from the question: one line, no mention markup, at most 100 characters. */
export function threadNameFrom(question: string, max: number = DISCORD_MAX_THREAD_NAME_LENGTH): string {
  const flat = question
    .replace(/<(@[!&]?|#)\d+>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  if (flat.length === 0) return 'Question';
  if (flat.length <= max) return flat;
  const room = flat.slice(0, max - 1);
  const space = room.lastIndexOf(' ');
  return `${(space >= max / 2 ? room.slice(0, space) : room).trimEnd()}…`;
}

/** The answer so far, shown while it streams: one message, cut with an ellipsis. */
export function streamingPreview(text: string, max: number = DISCORD_MAX_CONTENT_LENGTH): string {
  const trimmed = text.trim();
  if (trimmed.length <= max) return trimmed;
  return `${trimmed.slice(0, max - 2).trimEnd()} …`;
}

function label(title: string, section: string): string {
  const clean = (s: string) => s.replace(/[[\]]/g, '').replace(/\s+/g, ' ').trim();
  const t = clean(title) || 'Untitled';
  const sec = clean(section);
  return sec ? `${t} › ${sec}` : t;
}

/** Markdown link for web sources (angle brackets: no embed preview), plain label otherwise. */
function sourceLine(prefix: string, title: string, section: string, source: string): string {
  const text = label(title, section);
  return /^https?:\/\//.test(source) ? `${prefix} [${text}](<${source}>)` : `${prefix} ${text}`;
}

/** The full reply: answer text (tables as code blocks: Discord does not render them), then compact "Sources" and "Figures" lists. */
export function formatAnswer(answer: Answer): string {
  const blocks = [tablesToCodeBlocks(answer.text.trim())];
  if (answer.sources.length > 0) {
    blocks.push(['**Sources**', ...answer.sources.map((s) => sourceLine(`[${s.n}]`, s.title, s.section, s.source))].join('\n'));
  }
  if (answer.figures.length > 0) {
    const lines = answer.figures.map((f) => {
      const caption = f.caption.replace(/\s+/g, ' ').trim().slice(0, 150);
      return `${sourceLine(`[F${f.n}]`, f.title, f.section, f.source)}${caption ? ` — ${caption}` : ''}`;
    });
    blocks.push(['**Figures** (attached)', ...lines].join('\n'));
  }
  return blocks.filter((b) => b.length > 0).join('\n\n');
}
