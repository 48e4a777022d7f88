import { describe, expect, it } from 'vitest';
import { MentionGuard, neutraliseMentions } from '../../../src/rag/answer/sanitize.js';

const PING = /@(everyone|here|channel)|<!(channel|here|everyone|subteam\^[^>]*)>|<@&\d+>/i;

describe('neutraliseMentions', () => {
  it.each([
    ['hello @everyone', 'hello @\u200beveryone'],
    ['@HERE now', '@\u200bHERE now'],
    ['slack <!channel> and <!here|here>', 'slack <\u200b!channel> and <!here|here>'],
    ['<!subteam^S123|eng>', '<\u200b!subteam^S123|eng>'],
    ['role <@&123456>', 'role <\u200b@&123456>'],
    ['mail me at bob@example.com', 'mail me at bob@example.com'],
  ])('%s', (input, expected) => {
    expect(neutraliseMentions(input)).toBe(expected);
  });

  it('leaves nothing that pings', () => {
    expect(neutraliseMentions('a @everyone b @here c @channel d <!everyone> e <@&1>')).not.toMatch(PING);
  });
});

describe('MentionGuard (streamed tokens)', () => {
  const text = 'Sure @everyone, look at <!channel> and @here: the chart [F1] <@&42> shows growth.';

  it('never emits a ping, wherever the stream is split', () => {
    for (let i = 1; i < text.length; i++) {
      for (const j of [i + 1, i + 3, i + 7]) {
        if (j >= text.length) continue;
        const out: string[] = [];
        const guard = new MentionGuard((t) => out.push(t));
        for (const piece of [text.slice(0, i), text.slice(i, j), text.slice(j)]) guard.push(piece);
        guard.flush();
        expect(out.join('')).toBe(neutraliseMentions(text));
        for (const piece of out) expect(piece).not.toMatch(PING);
      }
    }
  });

  it('emits ordinary text right away and holds only a possible mention', () => {
    const out: string[] = [];
    const guard = new MentionGuard((t) => out.push(t));
    guard.push('Revenue grew ');
    expect(out).toEqual(['Revenue grew ']);
    guard.push('see @ever');
    expect(out.join('')).toBe('Revenue grew see ');
    guard.push('yone.');
    guard.flush();
    expect(out.join('')).toBe('Revenue grew see @\u200beveryone.');
  });
});
