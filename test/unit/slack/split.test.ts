import { describe, expect, it } from 'vitest';
import { splitMessage } from '../../../src/bots/slack/split.js';

const words = (n: number, word = 'lorem') => Array.from({ length: n }, () => word).join(' ');

describe('splitMessage', () => {
  it('returns short text unchanged', () => {
    expect(splitMessage('hello', 100)).toEqual(['hello']);
    expect(splitMessage('   ', 100)).toEqual([]);
  });

  it('packs paragraphs under the limit and never cuts a word', () => {
    const text = [words(30), words(30), words(30)].join('\n\n'); // 3 × 179 chars
    const pieces = splitMessage(text, 400);
    expect(pieces).toHaveLength(2);
    for (const p of pieces) {
      expect(p.length).toBeLessThanOrEqual(400);
      expect(p.split(/\s+/).every((w) => w === 'lorem')).toBe(true);
    }
    expect(pieces.join('\n\n')).toBe(text);
  });

  it('cuts a single long paragraph between words', () => {
    const pieces = splitMessage(words(200), 100);
    expect(pieces.length).toBeGreaterThan(10);
    for (const p of pieces) {
      expect(p.length).toBeLessThanOrEqual(100);
      expect(p.split(' ').every((w) => w === 'lorem')).toBe(true);
    }
  });

  it('keeps a code block whole when it fits', () => {
    const code = '```\n' + Array.from({ length: 8 }, (_, i) => `line ${i} of code`).join('\n') + '\n```';
    const text = `${words(12)}\n\n${code}\n\n${words(12)}`;
    const pieces = splitMessage(text, 160);
    const withCode = pieces.filter((p) => p.includes('```'));
    expect(withCode).toHaveLength(1);
    expect(withCode[0]).toContain(code);
  });

  it('re-fences a code block that is longer than the limit on its own', () => {
    const code = '```\n' + Array.from({ length: 40 }, (_, i) => `statement_${i}();`).join('\n') + '\n```';
    const pieces = splitMessage(code, 120);
    expect(pieces.length).toBeGreaterThan(1);
    for (const p of pieces) {
      expect(p.length).toBeLessThanOrEqual(120);
      expect(p.startsWith('```\n')).toBe(true);
      expect(p.endsWith('\n```')).toBe(true);
    }
    const lines = pieces.flatMap((p) => p.split('\n').filter((l) => l !== '```'));
    expect(lines).toEqual(Array.from({ length: 40 }, (_, i) => `statement_${i}();`));
  });

  it('splits a 9000-character answer under the section limit of 3000', () => {
    const text = Array.from({ length: 60 }, (_, i) => `Paragraph ${i}: ${words(22, 'word')}`).join('\n\n');
    const pieces = splitMessage(text, 3000);
    expect(pieces.length).toBeGreaterThanOrEqual(3);
    expect(pieces.every((p) => p.length <= 3000)).toBe(true);
    expect(pieces.join('\n\n')).toBe(text);
  });
});
