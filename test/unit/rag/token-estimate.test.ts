/** The token estimate used for chunking without the embedding model (embed/token-counter.ts). */
import { describe, expect, it } from 'vitest';
import { estimateTokens } from '../../../src/rag/embed/token-counter.js';

describe('estimateTokens', () => {
  it('counts CLIP’s pre-tokenizer pieces: one token per 3 letters, each digit, each punctuation mark', () => {
    expect(estimateTokens('the')).toBe(1);
    expect(estimateTokens('retrieval')).toBe(3);
    expect(estimateTokens('The Retrieval')).toBe(4); // case does not matter (CLIP lower-cases)
    expect(estimateTokens('2024')).toBe(4); // CLIP splits numbers into digits
    expect(estimateTokens('a.b')).toBe(3);
    expect(estimateTokens('https://x.io')).toBe(2 + 3 + 1 + 1 + 1); // https, ://, x, ., io
    expect(estimateTokens("it's")).toBe(2); // it + 's
    expect(estimateTokens('   ')).toBe(0);
  });

  it('counts other scripts by UTF-8 byte, the most a byte-level BPE can make', () => {
    expect(estimateTokens('日本語')).toBe(9);
    expect(estimateTokens('café')).toBe(5);
    expect(estimateTokens('→')).toBe(3);
  });
});
