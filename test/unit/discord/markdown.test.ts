import { describe, expect, it } from 'vitest';
import { formatAnswer, splitMessage, streamingPreview, stripBotMention, threadNameFrom } from '../../../src/bots/discord/markdown.js';
import type { Answer } from '../../../src/rag/types.js';

const words = (text: string) => text.split(/\s+/).filter(Boolean);

describe('splitMessage', () => {
  it('keeps a short text in one message', () => {
    expect(splitMessage('  Hello **world**.  ')).toEqual(['Hello **world**.']);
  });

  it('splits at paragraph boundaries and never exceeds the limit', () => {
    const paragraph = 'Alpha beta gamma delta epsilon. '.repeat(20).trim(); // ~640 chars
    const text = Array.from({ length: 8 }, () => paragraph).join('\n\n');
    const parts = splitMessage(text);
    expect(parts.length).toBe(3);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(2000);
      expect(p.endsWith('epsilon.')).toBe(true);
    }
    expect(words(parts.join(' '))).toEqual(words(text));
  });

  it('falls back to sentence then word boundaries, never cutting a word', () => {
    const text = 'Supercalifragilistic expialidocious words everywhere! '.repeat(80);
    const parts = splitMessage(text, 500);
    for (const p of parts) expect(p.length).toBeLessThanOrEqual(500);
    expect(words(parts.join(' '))).toEqual(words(text));
    expect(parts.slice(0, -1).every((p) => p.endsWith('!'))).toBe(true);

    const noSentences = 'lorem ipsum dolor '.repeat(100);
    const wordParts = splitMessage(noSentences, 300);
    expect(words(wordParts.join(' '))).toEqual(words(noSentences));
    for (const p of wordParts) expect(p.length).toBeLessThanOrEqual(300);
  });

  it('does not cut inside a code block when a boundary outside exists', () => {
    const code = '```ts\n' + Array.from({ length: 20 }, (_, i) => `const x${i} = ${i};`).join('\n') + '\n```';
    const text = `${'Intro sentence here. '.repeat(40).trim()}\n\n${code}\n\nAfter the code.`;
    const parts = splitMessage(text, 1000);
    expect(parts.some((p) => p.includes(code))).toBe(true);
    for (const p of parts) expect((p.match(/```/g) ?? []).length % 2).toBe(0);
  });

  it('closes and reopens a code block that is itself longer than a message', () => {
    const lines = Array.from({ length: 120 }, (_, i) => `print("line ${i}")`);
    const text = 'Run this:\n\n```python\n' + lines.join('\n') + '\n```\n\nDone.';
    const parts = splitMessage(text, 800);
    expect(parts.length).toBeGreaterThan(2);
    for (const p of parts) {
      expect(p.length).toBeLessThanOrEqual(800);
      expect((p.match(/```/g) ?? []).length % 2).toBe(0);
    }
    expect(parts[1]!.startsWith('```python\n')).toBe(true);
    // Every code line survives intact and in order.
    const seen = parts.join('\n').split('\n').filter((l) => l.startsWith('print('));
    expect(seen).toEqual(lines);
  });

  it('hard-cuts a single "word" longer than a message', () => {
    const blob = 'x'.repeat(4500);
    const parts = splitMessage(blob);
    expect(parts.map((p) => p.length)).toEqual([2000, 2000, 500]);
  });
});

describe('threadNameFrom', () => {
  it('uses the question, without mention markup or newlines, within 100 characters', () => {
    expect(threadNameFrom('<@123> How do I\nrotate keys?')).toBe('How do I rotate keys?');
    const long = 'word '.repeat(60);
    const name = threadNameFrom(long);
    expect(name.length).toBeLessThanOrEqual(100);
    expect(name.endsWith('word…')).toBe(true);
    expect(threadNameFrom('   ')).toBe('Question');
  });
});

describe('stripBotMention / streamingPreview', () => {
  it('removes both mention forms of the bot only', () => {
    expect(stripBotMention('<@42> hi <@!42> there <@7>', '42')).toBe('hi there <@7>');
  });

  it('cuts a long partial answer to one message', () => {
    const preview = streamingPreview('a '.repeat(3000));
    expect(preview.length).toBeLessThanOrEqual(2000);
    expect(preview.endsWith('…')).toBe(true);
  });
});

describe('formatAnswer', () => {
  it('adds compact Sources (title › section, links without embeds) and Figures lists', () => {
    const answer: Answer = {
      text: 'Rotate it in settings [1]. See [F1].',
      sources: [
        { n: 1, id: 'a', title: 'Admin [guide]', section: 'Keys', source: 'https://docs.example.org/admin', snippet: '' },
        { n: 2, id: 'b', title: 'FAQ', section: '', source: 'docs/faq.md', snippet: '' },
      ],
      figures: [{ n: 1, id: 'f', imagePath: '/x.png', caption: 'The settings\npage', title: 'Admin guide', section: 'Keys', source: 'docs/admin.md' }],
      mode: 'llm',
      timings: {},
    };
    expect(formatAnswer(answer)).toBe(
      [
        'Rotate it in settings [1]. See [F1].',
        '',
        '**Sources**',
        '[1] [Admin guide › Keys](<https://docs.example.org/admin>)',
        '[2] FAQ',
        '',
        '**Figures** (attached)',
        '[F1] Admin guide › Keys — The settings page',
      ].join('\n'),
    );
  });
});
