import { describe, expect, it } from 'vitest';
import { parseHtml } from '../../../src/rag/ingest/parse-html.js';
import { parseMarkdown, parsePlainText } from '../../../src/rag/ingest/parse-markdown.js';
import { ParseError } from '../../../src/rag/ingest/parsed.js';

const ref = (f: { source: unknown }) => (f.source as { ref: string }).ref;

describe('HTML', () => {
  const html = `<!doctype html><html><head><title>Saved post</title><script>var x = "no";</script></head><body>
    <nav>Home | About</nav>
    <h1>The post</h1><p>Intro &amp; overview.</p>
    <h2>Design</h2><p>Before the figures.</p>
    <img src="a.png" alt="Alt wins">
    <figure><img src="b.png"><figcaption>From the figcaption</figcaption></figure>
    <p>The paragraph right before c.</p><img src="c.png">
    <h3>Lists</h3><ul><li>first item</li><li>second <b>bold</b> item</li></ul>
    <h4>Minor heading</h4><footer>copyright</footer></body></html>`;
  const doc = parseHtml(html, 'fallback');

  it('takes the title, sections (h1–h3), paragraphs and list items, skipping chrome', () => {
    expect(doc.title).toBe('Saved post');
    expect(doc.blocks).toEqual([
      { section: 'The post', text: 'Intro & overview.' },
      { section: 'Design', text: 'Before the figures.' },
      { section: 'Design', text: 'The paragraph right before c.' },
      { section: 'Lists', text: 'first item' },
      { section: 'Lists', text: 'second bold item' },
      { section: 'Lists', text: 'Minor heading' },
    ]);
  });

  it('captions figures: alt, else figcaption, else the preceding paragraph', () => {
    expect(doc.figures.map((f) => [ref(f), f.caption, f.section])).toEqual([
      ['a.png', 'Alt wins', 'Design'],
      ['b.png', 'From the figcaption', 'Design'],
      ['c.png', 'The paragraph right before c.', 'Design'],
    ]);
  });

  it('refuses HTML with no body', () => {
    expect(() => parseHtml('<html><head><title>t</title></head></html>', 'x')).toThrow(ParseError);
  });
});

describe('Markdown and text', () => {
  it('uses headings as sections and images as figures', () => {
    const doc = parseMarkdown('# Title\n\nIntro.\n\n## Part\n\nText with ![The alt](img/x.png) inline.\n\n![](y.png "the title")\n\n- a\n- b\n', 'f');
    expect(doc.title).toBe('Title');
    expect(doc.blocks.map((b) => [b.section, b.text])).toEqual([
      ['Title', 'Intro.'],
      ['Part', 'Text with inline.'],
      ['Part', 'a'],
      ['Part', 'b'],
    ]);
    expect(doc.figures.map((f) => [ref(f), f.caption, f.section])).toEqual([
      ['img/x.png', 'The alt', 'Part'],
      ['y.png', 'the title', 'Part'],
    ]);
  });

  it('splits plain text into paragraphs and refuses empty files', () => {
    expect(parsePlainText('one\nline\n\ntwo', 'notes').blocks.map((b) => b.text)).toEqual(['one line', 'two']);
    expect(() => parsePlainText('  \n ', 'x')).toThrow(ParseError);
  });
});
