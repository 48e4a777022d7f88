/**
 * Builds a small SigLIP-style SentencePiece (Unigram) tokenizer.json: punctuation removed,
 * whitespace collapsed, lower-cased, `▁` marks a word start (Metaspace), a Unigram model
 * over word pieces, and `</s>` appended to every sequence (SigLIP's template). Same pipeline
 * as the Xenova/siglip-* tokenizers, only a tiny vocabulary learned from a corpus.
 */

export const PAD = '<pad>';
export const EOS = '</s>';
export const UNK = '<unk>';
const SPACE = '\u2581';

export interface BuiltUnigramTokenizer {
  tokenizerJson: object;
  tokenizerConfig: object;
  specialTokensMap: object;
  vocabSize: number;
}

function normalise(text: string): string {
  return text
    .replace(/[^\p{L}\p{N}\s]+/gu, '')
    .replace(/\s+/g, ' ')
    .trim()
    .toLowerCase();
}

/**
 * Pieces: every character (alone and word-initial), every word seen at least twice
 * (word-initial), scored by log relative frequency — so frequent words are one piece and
 * anything else is spelled out from characters.
 */
export function buildUnigramTokenizer(corpus: string, modelMaxLength: number): BuiltUnigramTokenizer {
  const words = normalise(corpus).split(' ').filter(Boolean);
  const counts = new Map<string, number>();
  const bump = (piece: string, n = 1) => counts.set(piece, (counts.get(piece) ?? 0) + n);
  for (const w of words) {
    bump(SPACE + w);
    for (const [i, c] of Array.from(w).entries()) bump(i === 0 ? SPACE + c : c);
  }
  for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789') {
    if (!counts.has(c)) bump(c);
    if (!counts.has(SPACE + c)) bump(SPACE + c);
  }
  bump(SPACE);
  const pieces = [...counts.entries()]
    .filter(([piece, n]) => Array.from(piece).length <= 2 || n >= 2)
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const total = pieces.reduce((s, [, n]) => s + n, 0);
  const vocab: Array<[string, number]> = [
    [PAD, 0],
    [EOS, 0],
    [UNK, 0],
    ...pieces.map(([piece, n]): [string, number] => [piece, Math.round(Math.log(n / total) * 1e4) / 1e4]),
  ];
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true });

  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(0, PAD), special(1, EOS), special(2, UNK)],
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Replace', pattern: { Regex: '[^\\p{L}\\p{N}\\s]+' }, content: '' },
        { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' },
        { type: 'Strip', strip_left: true, strip_right: true },
        { type: 'Lowercase' },
      ],
    },
    pre_tokenizer: { type: 'Metaspace', replacement: SPACE, prepend_scheme: 'always', split: true },
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: EOS, type_id: 0 } }],
      pair: [{ Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: EOS, type_id: 0 } }],
      special_tokens: { [EOS]: { id: EOS, ids: [1], tokens: [EOS] } },
    },
    decoder: { type: 'Metaspace', replacement: SPACE, prepend_scheme: 'always', split: true },
    model: { type: 'Unigram', unk_id: 2, vocab, byte_fallback: false },
  };
  const tokenizerConfig = {
    tokenizer_class: 'SiglipTokenizer',
    model_max_length: modelMaxLength,
    pad_token: EOS,
    eos_token: EOS,
    unk_token: UNK,
    do_lower_case: true,
    clean_up_tokenization_spaces: true,
  };
  const specialTokensMap = { eos_token: EOS, pad_token: EOS, unk_token: UNK };
  return { tokenizerJson, tokenizerConfig, specialTokensMap, vocabSize: vocab.length };
}
