/**
 * Builds a small CLIP-style byte-level BPE tokenizer (tokenizer.json) by training merges
 * on a tiny corpus. Same pipeline as the real CLIP tokenizer (NFC, whitespace collapse,
 * lowercase, CLIP's split regex, byte-level alphabet, `</w>` end-of-word suffix,
 * <|startoftext|> … <|endoftext|> around every sequence), only a smaller vocabulary.
 */

export const BOS = '<|startoftext|>';
export const EOS = '<|endoftext|>';

/** GPT-2/CLIP bytes_to_unicode: every byte maps to a printable character. */
export function bytesToUnicode(): string[] {
  const printable: number[] = [];
  for (let b = 33; b <= 126; b++) printable.push(b);
  for (let b = 161; b <= 172; b++) printable.push(b);
  for (let b = 174; b <= 255; b++) printable.push(b);
  const table: string[] = new Array(256);
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    table[b] = printable.includes(b) ? String.fromCharCode(b) : String.fromCharCode(256 + extra++);
  }
  return table;
}

const SPLIT = /'s|'t|'re|'ve|'m|'ll|'d|\p{L}+|\p{N}|[^\s\p{L}\p{N}]+/gu;

function words(corpus: string, byteChar: string[]): string[][] {
  const out: string[][] = [];
  const normalized = corpus.normalize('NFC').replace(/\s+/g, ' ').toLowerCase();
  for (const match of normalized.matchAll(SPLIT)) {
    const chars = Array.from(new TextEncoder().encode(match[0]), (b) => byteChar[b]!);
    chars[chars.length - 1] += '</w>';
    out.push(chars);
  }
  return out;
}

/** Greedy BPE training: merge the most frequent adjacent pair (ties broken by string order). */
function trainMerges(corpusWords: string[][], maxMerges: number): Array<[string, string]> {
  const counts = new Map<string, { symbols: string[]; n: number }>();
  for (const w of corpusWords) {
    const key = w.join(' ');
    const entry = counts.get(key);
    if (entry) entry.n++;
    else counts.set(key, { symbols: [...w], n: 1 });
  }
  const merges: Array<[string, string]> = [];
  while (merges.length < maxMerges) {
    const pairs = new Map<string, number>();
    for (const { symbols, n } of counts.values()) {
      for (let i = 0; i < symbols.length - 1; i++) {
        const key = symbols[i] + ' ' + symbols[i + 1];
        pairs.set(key, (pairs.get(key) ?? 0) + n);
      }
    }
    let best: string | undefined;
    let bestN = 1;
    for (const [key, n] of pairs) if (n > bestN || (n === bestN && best !== undefined && key < best)) [best, bestN] = [key, n];
    if (!best) break;
    const [a, b] = best.split(' ') as [string, string];
    merges.push([a, b]);
    for (const entry of counts.values()) {
      const s = entry.symbols;
      const next: string[] = [];
      for (let i = 0; i < s.length; i++) {
        if (i < s.length - 1 && s[i] === a && s[i + 1] === b) {
          next.push(a + b);
          i++;
        } else next.push(s[i]!);
      }
      entry.symbols = next;
    }
  }
  return merges;
}

export interface BuiltTokenizer {
  tokenizerJson: object;
  tokenizerConfig: object;
  specialTokensMap: object;
  vocabSize: number;
}

export function buildTokenizer(corpus: string, maxMerges: number, modelMaxLength = 77): BuiltTokenizer {
  const byteChar = bytesToUnicode();
  const vocab: Record<string, number> = {};
  for (const c of byteChar) vocab[c] = Object.keys(vocab).length;
  for (const c of byteChar) vocab[c + '</w>'] = Object.keys(vocab).length;
  const merges = trainMerges(words(corpus, byteChar), maxMerges);
  for (const [a, b] of merges) if (!(a + b in vocab)) vocab[a + b] = Object.keys(vocab).length;
  const bosId = Object.keys(vocab).length;
  vocab[BOS] = bosId;
  vocab[EOS] = bosId + 1;
  const special = (id: number, content: string) => ({ id, content, single_word: false, lstrip: false, rstrip: false, normalized: true, special: true });

  const tokenizerJson = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [special(bosId, BOS), special(bosId + 1, EOS)],
    normalizer: {
      type: 'Sequence',
      normalizers: [{ type: 'NFC' }, { type: 'Replace', pattern: { Regex: '\\s+' }, content: ' ' }, { type: 'Lowercase' }],
    },
    pre_tokenizer: {
      type: 'Sequence',
      pretokenizers: [
        {
          type: 'Split',
          pattern: { Regex: "<\\|startoftext\\|>|<\\|endoftext\\|>|'s|'t|'re|'ve|'m|'ll|'d|[\\p{L}]+|[\\p{N}]|[^\\s\\p{L}\\p{N}]+" },
          behavior: 'Removed',
          invert: true,
        },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    },
    post_processor: { type: 'RobertaProcessing', sep: [EOS, bosId + 1], cls: [BOS, bosId], trim_offsets: false, add_prefix_space: false },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: EOS,
      continuing_subword_prefix: '',
      end_of_word_suffix: '</w>',
      fuse_unk: false,
      byte_fallback: false,
      vocab,
      merges: merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  const tokenizerConfig = {
    tokenizer_class: 'CLIPTokenizer',
    model_max_length: modelMaxLength,
    bos_token: BOS,
    eos_token: EOS,
    pad_token: EOS,
    unk_token: EOS,
    do_lower_case: true,
    add_prefix_space: false,
    clean_up_tokenization_spaces: true,
  };
  const specialTokensMap = { bos_token: BOS, eos_token: EOS, pad_token: EOS, unk_token: EOS };
  return { tokenizerJson, tokenizerConfig, specialTokensMap, vocabSize: bosId + 2 };
}
