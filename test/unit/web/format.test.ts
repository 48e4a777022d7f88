import { describe, expect, it } from 'vitest';
import { compactReplay, parseEntries, type StreamEntry } from '../../../src/bots/web/conversations.js';
import { sourceHref, toWebAnswer } from '../../../src/bots/web/format.js';
import { imageExtension } from '../../../src/bots/web/image-type.js';
import type { StreamEvent } from '../../../src/bots/web/protocol.js';
import type { Answer } from '../../../src/rag/types.js';

const answer: Answer = {
  text: 'The worker posts it [1], see [F1].',
  mode: 'llm',
  level: 3,
  timings: { retrieve: 12.345, generate: 1000.06, total: 1012.4 },
  sources: [{ n: 1, id: 'c1', title: 'How it works', section: 'Worker', source: 'docs/how.md', snippet: '…', page: 2 }],
  figures: [
    { n: 1, id: 'f1', imagePath: '/data/index/figures/a.png', caption: 'The flow', title: 'How it works', section: 'Flow', source: 'https://docs.example.internal/how' },
    { n: 2, id: 'f2', imagePath: '/data/index/figures/b.png', caption: 'Other', title: 'T', section: '', source: 'docs/how.md' },
  ],
  retrieval: {
    chunks: [
      { kind: 'text', id: 'c1', docId: 'd', source: 'docs/how.md', title: 'How it works', section: 'Worker', text: 'word '.repeat(200), context: 'ctx', score: 0.123456789, signals: { vector: { rank: 1, score: 0.3133333 }, bm25: { rank: 3, score: 7.123456 } } },
      { kind: 'text', id: 'c2', docId: 'd', source: 'docs/how.md', title: 'How it works', section: 'Queue', text: 'short', context: 'ctx', score: 0.05 },
    ],
    figures: [
      { kind: 'figure', id: 'f1', docId: 'd', source: 's', title: 'How it works', section: 'Flow', caption: 'The flow', imagePath: '/x.png', width: 900, height: 300, score: 0.9, signals: { caption: { rank: 1, score: 0.5 } } },
      { kind: 'figure', id: 'f3', docId: 'd', source: 's', title: 'T', section: '', caption: 'Not attached', imagePath: '/y.png', score: 0.2 },
    ],
    shownToModel: ['f1'],
  },
};

describe('toWebAnswer (the web format module)', () => {
  it('links sources to their originals and figures to their copied images', () => {
    const web = toWebAnswer(answer, new Map([['f1', '/api/figures/abc.png']]));
    expect(web.sources[0]).toEqual({ n: 1, title: 'How it works', section: 'Worker', source: 'docs/how.md', page: 2, href: '/sources/file?source=docs%2Fhow.md' });
    expect(web.figures.map((f) => [f.id, f.url, f.width, f.height])).toEqual([
      ['f1', '/api/figures/abc.png', 900, 300],
      ['f2', undefined, undefined, undefined],
    ]);
    expect(web.timings).toEqual({ retrieve: 12.3, generate: 1000.1, total: 1012.4 });
    expect(web.text).toBe(answer.text);
    expect(web).toMatchObject({ mode: 'llm', level: 3 });
  });

  it('explains the retrieval: scores per signal, cited / shown / attached', () => {
    const why = toWebAnswer(answer, new Map()).why!;
    expect(why.chunks.map((c) => [c.id, c.score, c.cited])).toEqual([
      ['c1', 0.1235, true],
      ['c2', 0.05, false],
    ]);
    expect(why.chunks[0]!.signals).toEqual({ vector: { rank: 1, score: 0.3133 }, bm25: { rank: 3, score: 7.1235 } });
    expect(why.chunks[1]!.signals).toBeUndefined();
    expect(why.chunks[0]!.snippet.length).toBeLessThanOrEqual(280);
    expect(why.figures.map((f) => [f.id, f.shownToModel, f.attached])).toEqual([
      ['f1', true, true],
      ['f3', false, false],
    ]);
  });

  it('has no "why" for answers stored without retrieval details', () => {
    expect(toWebAnswer({ ...answer, retrieval: undefined }, new Map()).why).toBeUndefined();
  });

  it('keeps URLs as links and sends local files through the read-only route', () => {
    expect(sourceHref('https://docs.example.internal/a?b=1')).toBe('https://docs.example.internal/a?b=1');
    expect(sourceHref('HTTP://docs.example.internal/')).toBe('HTTP://docs.example.internal/');
    expect(sourceHref('/abs/path with space.pdf')).toBe('/sources/file?source=%2Fabs%2Fpath%20with%20space.pdf');
    expect(sourceHref('javascript:alert(1)')).toBe('/sources/file?source=javascript%3Aalert(1)');
  });
});

describe('conversation stream replay', () => {
  const e = (id: string, event: StreamEvent): StreamEntry => ({ id, event });
  it('drops the streamed partials of answers that ended, keeps those still streaming', () => {
    const final = { text: 'done', mode: 'llm' as const, sources: [], figures: [], timings: {} };
    const entries = [
      e('1-0', { type: 'question', answerId: 'a', question: 'q1', at: 1 }),
      e('2-0', { type: 'status', answerId: 'a', status: 'thinking' }),
      e('3-0', { type: 'delta', answerId: 'a', text: 'do' }),
      e('4-0', { type: 'final', answerId: 'a', answer: final }),
      e('5-0', { type: 'feedback', answerId: 'a', rating: 'up' }),
      e('6-0', { type: 'question', answerId: 'b', question: 'q2', at: 2 }),
      e('7-0', { type: 'text', answerId: 'b', text: 'partial' }),
      e('8-0', { type: 'delta', answerId: 'b', text: ' more' }),
      e('9-0', { type: 'question', answerId: 'c', question: 'q3', at: 3 }),
      e('10-0', { type: 'status', answerId: 'c', status: 'thinking' }),
      e('11-0', { type: 'error', answerId: 'c', message: 'sorry' }),
    ];
    expect(compactReplay(entries).map((x) => x.id)).toEqual(['1-0', '4-0', '5-0', '6-0', '7-0', '8-0', '9-0', '11-0']);
  });

  it('skips malformed stream entries instead of failing the conversation', () => {
    const good = JSON.stringify({ type: 'delta', answerId: 'a', text: 'x' });
    const parsed = parseEntries([
      ['1-0', ['e', good]],
      ['2-0', ['e', '{not json']],
      ['3-0', ['e', JSON.stringify({ type: 'unknown', answerId: 'a' })]],
      ['4-0', ['other', good]],
      ['5-0', ['e']],
      ['6-0', ['e', good]],
    ]);
    expect(parsed.map((p) => p.id)).toEqual(['1-0', '6-0']);
  });
});

describe('imageExtension', () => {
  const bytes = (...b: number[]) => Uint8Array.from([...b, ...Array(16).fill(0)]);
  it('recognises PNG, JPEG, GIF and WebP by their bytes, and nothing else', () => {
    expect(imageExtension(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a))).toBe('png');
    expect(imageExtension(bytes(0xff, 0xd8, 0xff, 0xe0))).toBe('jpg');
    expect(imageExtension(Uint8Array.from(Buffer.from('GIF89a\0\0\0\0')))).toBe('gif');
    expect(imageExtension(Uint8Array.from(Buffer.from('RIFF\0\0\0\0WEBPVP8 ')))).toBe('webp');
    for (const other of [Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"></svg>'), Buffer.from('%PDF-1.7'), Buffer.from('RIFF\0\0\0\0WAVEfmt '), Buffer.alloc(0), Buffer.from([0x89, 0x50])]) {
      expect(imageExtension(Uint8Array.from(other))).toBeUndefined();
    }
  });
});
