import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEmbedder, type Embedder } from '../../../src/rag/embed/embedder.js';
import { chunkBlocks } from '../../../src/rag/ingest/chunker.js';

// The fixture's tokenizer is a real CLIP-style BPE tokenizer loaded by AutoTokenizer.
let embedder: Embedder;
beforeAll(async () => {
  embedder = await createEmbedder(path.resolve('test/fixtures/clip-tiny'));
});
afterAll(async () => {
  await embedder.close();
});

const LONG =
  'The bot process holds the gateway and socket connections, validates each question, acknowledges it within three seconds and posts a placeholder. ' +
  'It then puts a job on the queue and returns at once. A worker takes the job, condenses a follow-up with the thread memory, embeds the question with CLIP, ' +
  'searches the index of text chunks and figures, prompts the vision model with the retrieved figures, and finally edits the placeholder with the answer, ' +
  'the attached figures and the numbered sources. The secret ingredient is at the very end of this paragraph: zebra-lantern.';

/** Tokens the text encoder sees for `text`: the content plus <|startoftext|> and <|endoftext|>. */
const encoderTokens = (text: string) => embedder.countTokens(text) + 2;

describe('token-aware chunking', () => {
  it('keeps every window within 77 tokens, with the section title, and the full paragraph as context', () => {
    const chunks = chunkBlocks([{ section: 'Architecture', text: LONG }], embedder);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(encoderTokens(c.text)).toBeLessThanOrEqual(77);
      expect(c.text.startsWith('Architecture: ')).toBe(true);
      expect(c.context).toBe(LONG);
    }
    // Every word of the paragraph is in some window: nothing is cut off.
    const covered = new Set(chunks.flatMap((c) => c.text.slice('Architecture: '.length).split(' ')));
    for (const word of LONG.split(' ')) expect(covered.has(word)).toBe(true);
  });

  it('overlaps consecutive windows', () => {
    const chunks = chunkBlocks([{ section: '', text: LONG }], embedder);
    for (let i = 1; i < chunks.length; i++) {
      const previousTail = chunks[i - 1]!.text.split(' ').slice(-3).join(' ');
      expect(chunks[i]!.text).toContain(previousTail);
    }
  });

  it('does better than the seed, which truncated to 256 characters', () => {
    const seedChunk = LONG.slice(0, 256);
    // The seed's chunk loses the end of the paragraph, and may still be too long for CLIP.
    expect(seedChunk).not.toContain('zebra-lantern');
    const chunks = chunkBlocks([{ section: 'Architecture', text: LONG }], embedder);
    expect(chunks.some((c) => c.text.includes('zebra-lantern'))).toBe(true);
    expect(chunks.every((c) => encoderTokens(c.text) <= 77)).toBe(true);
    expect(encoderTokens(seedChunk)).toBeGreaterThan(77); // with this tokenizer the seed's chunk would be silently truncated too
  });

  it('packs short paragraphs of one section together and starts over at a new section', () => {
    const chunks = chunkBlocks(
      [
        { section: 'Setup', text: 'Install it.' },
        { section: 'Setup', text: 'Run it.' },
        { section: 'Usage', text: 'Ask it.' },
      ],
      embedder,
    );
    expect(chunks.map((c) => [c.section, c.text, c.context])).toEqual([
      ['Setup', 'Setup: Install it. Run it.', 'Install it.\n\nRun it.'],
      ['Usage', 'Usage: Ask it.', 'Ask it.'],
    ]);
  });

  it('splits a single giant token-run (a long URL or hash) and keeps page numbers', () => {
    const blob = 'x'.repeat(600);
    const chunks = chunkBlocks([{ section: 'Page 3', text: blob, page: 3 }], embedder);
    expect(chunks.length).toBeGreaterThan(1);
    for (const c of chunks) {
      expect(encoderTokens(c.text)).toBeLessThanOrEqual(77);
      expect(c.page).toBe(3);
    }
  });
});
