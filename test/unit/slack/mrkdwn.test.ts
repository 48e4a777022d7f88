import { describe, expect, it } from 'vitest';
import { markdownToMrkdwn, neutraliseMentions, safeSlackText } from '../../../src/bots/slack/mrkdwn.js';

const ZWSP = '\u200B';

describe('markdownToMrkdwn', () => {
  it('converts bold, italic, strike, headings and links', () => {
    const out = markdownToMrkdwn('## Setup\n**Install** the *CLI* and ~~not~~ read [the guide](https://example.org/a_b*c).');
    expect(out).toBe('*Setup*\n*Install* the _CLI_ and ~not~ read <https://example.org/a_b*c|the guide>.');
  });

  it('turns bullets and nested bullets into •, keeps ordered lists', () => {
    expect(markdownToMrkdwn('- one\n  - two\n* three\n1. first\n2) second')).toBe('• one\n    • two\n• three\n1. first\n2. second');
  });

  it('keeps code verbatim (escaped only) and drops the fence language', () => {
    const out = markdownToMrkdwn('Run `a **b** <c>`:\n```bash\necho "**x**" && cat <f>\n```');
    expect(out).toBe('Run `a **b** &lt;c&gt;`:\n```\necho "**x**" &amp;&amp; cat &lt;f&gt;\n```');
  });

  it('closes a code block left open by a partial (streaming) answer', () => {
    expect(markdownToMrkdwn('```\nconst a = 1;')).toBe('```\nconst a = 1;\n```');
  });

  it('escapes &, < and > outside code and keeps blockquotes', () => {
    expect(markdownToMrkdwn('> a < b & c > d')).toBe('> a &lt; b &amp; c &gt; d');
  });

  it('neutralises broadcasts and mentions the model writes', () => {
    const out = markdownToMrkdwn('Hey <!channel> and <!here|here> and <!everyone>, ask <@U123ABC> in <#C999|general>. @here too. <!subteam^S1|@ops>');
    expect(out).not.toMatch(/<!|<@|<#/);
    expect(out).toContain(`@${ZWSP}channel`);
    expect(out).toContain(`@${ZWSP}here and`);
    expect(out).toContain(`@${ZWSP}everyone`);
    expect(out).toContain(`@${ZWSP}U123ABC`);
    expect(out).toContain('#general');
    expect(out).toContain(`@${ZWSP}here too`);
    expect(out).toContain(`@${ZWSP}ops`);
  });

  it('does not let a link label smuggle a broadcast or break the link', () => {
    const out = markdownToMrkdwn('[<!channel> a|b](https://x.test/p)');
    expect(out).toBe(`<https://x.test/p|@${ZWSP}channel a/b>`);
  });

  it('leaves e-mail addresses and bare URLs alone', () => {
    expect(markdownToMrkdwn('mail ops@example.org or see https://x.test/a_b_c.')).toBe('mail ops@example.org or see https://x.test/a_b_c.');
  });
});

describe('neutraliseMentions / safeSlackText', () => {
  it('removes every ping form', () => {
    expect(neutraliseMentions('@channel @everyone <!here>')).toBe(`@${ZWSP}channel @${ZWSP}everyone @${ZWSP}here`);
    expect(safeSlackText('<!channel> <script>')).toBe(`@${ZWSP}channel &lt;script&gt;`);
  });
});
