import { describe, expect, it } from 'vitest';
import { answerMessages, formatSource } from '../../../src/bots/slack/blocks.js';
import { isSlackFileUrl, threadToTurns, tsBefore } from '../../../src/bots/slack/worker-side.js';
import type { Answer } from '../../../src/rag/types.js';

const answer = (text: string, sources: Answer['sources'] = []): Answer => ({ text, sources, figures: [], mode: 'llm', timings: {} });

describe('answerMessages', () => {
  it('puts the Sources context block on the last message only', () => {
    const long = Array.from({ length: 40 }, (_, i) => `Paragraph ${i} ${'x'.repeat(150)}`).join('\n\n');
    const messages = answerMessages(
      answer(long, [
        { n: 1, id: 'a', title: 'Guide', section: 'Install', source: 'https://docs.test/guide', snippet: '' },
        { n: 2, id: 'b', title: 'Manual', section: '', source: '/data/manual.pdf', snippet: '', page: 3 },
      ]),
    );
    expect(messages.length).toBeGreaterThan(1);
    for (const m of messages) {
      expect(m.blocks[0]).toMatchObject({ type: 'section' });
      expect(m.text.length).toBeLessThanOrEqual(3000);
    }
    expect(messages.slice(0, -1).every((m) => m.blocks.length === 1)).toBe(true);
    const context = messages[messages.length - 1]!.blocks[1];
    expect(context).toEqual({
      type: 'context',
      elements: [
        { type: 'mrkdwn', text: '*Sources*' },
        { type: 'mrkdwn', text: '[1] <https://docs.test/guide|Guide — Install>' },
        { type: 'mrkdwn', text: '[2] Manual (manual.pdf, p. 3)' },
      ],
    });
  });

  it('keeps at most 10 context elements', () => {
    const sources = Array.from({ length: 15 }, (_, i) => ({ n: i + 1, id: `s${i}`, title: `T${i}`, section: '', source: `f${i}.md`, snippet: '' }));
    const [message] = answerMessages(answer('short', sources));
    expect((message!.blocks[1] as { elements: unknown[] }).elements).toHaveLength(10);
  });

  it('sanitises source titles', () => {
    expect(formatSource({ n: 1, id: 'x', title: '<!here> notes', section: '', source: 'n.md', snippet: '' })).not.toContain('<!here>');
  });
});

describe('thread history helpers', () => {
  it('pairs people and bot messages into turns, dropping placeholders and mention markup', () => {
    const turns = threadToTurns(
      [
        { ts: '1.000001', user: 'U1', text: 'How do I install?' },
        { ts: '1.000002', user: 'U2', text: 'and on Windows?' },
        { ts: '1.000003', bot_id: 'B1', text: 'Run the installer.' },
        { ts: '1.000004', bot_id: 'B1', text: ':mag: Searching the docs…' },
        { ts: '1.000005', user: 'U1', text: '<@UBOT> thanks, and <https://x.test|this link>?' },
      ],
      10,
    );
    expect(turns).toEqual([
      { question: 'How do I install?\nand on Windows?', answer: 'Run the installer.' },
      { question: 'thanks, and this link (https://x.test)?', answer: '' },
    ]);
  });

  it('compares Slack timestamps exactly', () => {
    expect(tsBefore('1700000000.000099', '1700000000.000100')).toBe(true);
    expect(tsBefore('1700000000.000100', '1700000000.000100')).toBe(false);
    expect(tsBefore('1700000001.000000', '1700000000.999999')).toBe(false);
  });

  it('sends the bot token only to Slack file hosts or the configured API origin', () => {
    const api = 'http://127.0.0.1:4000/api/';
    expect(isSlackFileUrl('https://files.slack.com/files-pri/T1-F1/x.png', 'https://slack.com/api/')).toBe(true);
    expect(isSlackFileUrl('http://127.0.0.1:4000/files-pri/x.png', api)).toBe(true);
    expect(isSlackFileUrl('https://evil.test/x.png', api)).toBe(false);
    expect(isSlackFileUrl('http://files.slack.com/x.png', api)).toBe(false);
    expect(isSlackFileUrl('https://slack.com.evil.test/x.png', api)).toBe(false);
  });
});
