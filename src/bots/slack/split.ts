/**
 * Split a long mrkdwn text into pieces of at most `limit` characters without cutting
 * words or code blocks: paragraphs and whole ``` blocks are packed greedily; a paragraph
 * that is too long is cut between lines, then between words; a code block that is too
 * long on its own is cut between lines and each piece is re-fenced so it still renders
 * as code. Only a single "word" longer than the limit is ever cut mid-word.
 */

interface Unit {
  text: string;
  code: boolean;
}

const FENCE = '```';

/** Paragraphs (split at blank lines) and complete fenced code blocks, in order. */
function toUnits(text: string): Unit[] {
  const units: Unit[] = [];
  let current: string[] = [];
  let inCode = false;
  const push = (code: boolean) => {
    const joined = current.join('\n');
    if (joined.trim()) units.push({ text: joined, code });
    current = [];
  };
  for (const line of text.split('\n')) {
    const isFence = line.trimStart().startsWith(FENCE);
    if (!inCode && isFence) {
      push(false);
      current.push(line);
      inCode = true;
      // A one-line block such as ```x``` opens and closes on the same line.
      if (line.trim().length > 3 && line.trimEnd().endsWith(FENCE) && line.trim() !== FENCE) {
        inCode = false;
        push(true);
      }
      continue;
    }
    if (inCode) {
      current.push(line);
      if (isFence) {
        inCode = false;
        push(true);
      }
      continue;
    }
    if (line.trim() === '') push(false);
    else current.push(line);
  }
  push(inCode);
  return units;
}

/** Cut a single line at whitespace so each piece fits. */
function splitWords(line: string, limit: number): string[] {
  const pieces: string[] = [];
  let rest = line;
  while (rest.length > limit) {
    let cut = rest.lastIndexOf(' ', limit);
    if (cut <= 0) cut = limit; // one word longer than the limit: nothing else to do
    pieces.push(rest.slice(0, cut).trimEnd());
    rest = rest.slice(cut).trimStart();
  }
  if (rest) pieces.push(rest);
  return pieces;
}

/** Greedy packing of lines joined by '\n'. */
function packLines(lines: string[], limit: number): string[] {
  const out: string[] = [];
  let current = '';
  for (const line of lines.flatMap((l) => (l.length > limit ? splitWords(l, limit) : [l]))) {
    const candidate = current ? `${current}\n${line}` : line;
    if (candidate.length <= limit) current = candidate;
    else {
      if (current) out.push(current);
      current = line;
    }
  }
  if (current) out.push(current);
  return out;
}

/** A unit that does not fit on its own, as pieces that do. */
function splitUnit(unit: Unit, limit: number): string[] {
  if (!unit.code) return packLines(unit.text.split('\n'), limit);
  const lines = unit.text.split('\n');
  const body = lines.slice(1, lines[lines.length - 1]?.trim() === FENCE ? -1 : undefined);
  const inner = limit - 2 * (FENCE.length + 1);
  return packLines(body, inner).map((piece) => `${FENCE}\n${piece}\n${FENCE}`);
}

export function splitMessage(text: string, limit: number): string[] {
  if (limit < 20) throw new RangeError('limit is too small to split a message');
  const trimmed = text.trim();
  if (trimmed.length <= limit) return trimmed ? [trimmed] : [];
  const pieces: string[] = [];
  let current = '';
  for (const unit of toUnits(trimmed)) {
    const parts = unit.text.length <= limit ? [unit.text] : splitUnit(unit, limit);
    for (const part of parts) {
      const candidate = current ? `${current}\n\n${part}` : part;
      if (candidate.length <= limit) current = candidate;
      else {
        if (current) pieces.push(current);
        current = part;
      }
    }
  }
  if (current) pieces.push(current);
  return pieces;
}
