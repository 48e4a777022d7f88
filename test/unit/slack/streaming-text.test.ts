import { describe, expect, it } from 'vitest';
import { openTableStart, splitRow, tablesToCodeBlocks } from '../../../src/bots/markdown-table.js';
import { markdownToMrkdwn } from '../../../src/bots/slack/mrkdwn.js';
import { committedStreamText, finalStreamText } from '../../../src/bots/slack/streaming-text.js';

const ANSWERS = [
  'The **pipeline** has three stages: parse, chunk and embed [1]. See `mrag ingest` and [the guide](https://docs.test/g).',
  'Attention <!channel> and <!here|here>: ask <@U0OTHER|bob> in <#C0OTHER|random>, @everyone and <!subteam^S01|@team> too.',
  'Compare:\n\n| Model | Dim |\n|---|---:|\n| CLIP | 512 |\n| SigLIP | 768 |\n\nBoth embed images.\n\n```ts\nconst a = 1 | 2;\n```\nDone.',
  'Line one\nline two\n\n- item *a*\n- item **b**\n\nThe end.',
];

/** Every prefix of the text, as tokens arrive. */
const partials = (text: string) => Array.from({ length: text.length }, (_, i) => text.slice(0, i + 1));

describe('committedStreamText (what may be streamed for good)', () => {
  it.each(ANSWERS)('only ever grows, and ends as a prefix of the final text: %#', (answer) => {
    const final = finalStreamText(answer);
    let previous = '';
    for (const partial of partials(answer)) {
      const committed = committedStreamText(partial);
      expect(committed.startsWith(previous)).toBe(true);
      expect(final.startsWith(committed)).toBe(true);
      previous = committed;
    }
  });

  it('never sends a half-written mention or a broadcast', () => {
    for (const partial of partials(ANSWERS[1]!)) {
      const committed = committedStreamText(partial);
      expect(committed).not.toMatch(/<[!@#]/);
      expect(committed).not.toMatch(/(^|[^\u200B])@(here|channel|everyone)\b/);
    }
    expect(finalStreamText(ANSWERS[1]!)).toBe('Attention @\u200Bchannel and @\u200Bhere: ask @\u200Bbob in #random, @\u200Beveryone and @\u200Bteam too.');
  });

  it('holds a table back until it is complete, then sends it as a code block', () => {
    const answer = ANSWERS[2]!;
    const midTable = answer.slice(0, answer.indexOf('| SigLIP') + 5);
    expect(committedStreamText(midTable)).toBe('Compare:');
    expect(committedStreamText(answer.slice(0, answer.indexOf('Both') + 5))).toBe('Compare:\n\n```\nModel  | Dim\n-------+----\nCLIP   | 512\nSigLIP | 768\n```\n\nBoth');
  });

  it('cuts at the last whitespace: a word is never sent in two pieces', () => {
    expect(committedStreamText('The pipe')).toBe('The');
    expect(committedStreamText('The pipeline ')).toBe('The pipeline');
    expect(committedStreamText('Thepipeline')).toBe('');
  });
});

describe('Markdown tables in chat', () => {
  it('become aligned code blocks; code fences and pipes in prose are left alone', () => {
    const text = 'Intro with a | pipe.\n\n| A | **Bold** | [link](https://x.test) |\n|:--|:-:|--:|\n| 1 | `two` | three \\| four |\n\n```\n| not | a table |\n|---|---|\n```';
    expect(tablesToCodeBlocks(text)).toBe(
      'Intro with a | pipe.\n\n```\nA | Bold | link (https://x.test)\n--+------+----------------------\n1 | two  | three | four\n```\n\n```\n| not | a table |\n|---|---|\n```',
    );
  });

  it('are rendered in Slack mrkdwn as code blocks (escaped, not formatted)', () => {
    expect(markdownToMrkdwn('| a<b | c |\n|---|---|\n| **x** | y |')).toBe('```\na&lt;b | c\n----+--\nx   | y\n```');
  });

  it('splitRow keeps escaped pipes and tolerates missing outer pipes', () => {
    expect(splitRow('a | b \\| c | d')).toEqual(['a', 'b | c', 'd']);
  });

  it('openTableStart finds a table still being written', () => {
    expect(openTableStart('text\n| a | b |\n|--')).toBe(5);
    expect(openTableStart('text\n| a | b |\n\nafter')).toBeUndefined();
    expect(openTableStart('a <https://x.test|link> with pipes')).toBeUndefined();
    expect(openTableStart('```\n| a |')).toBeUndefined();
  });
});
