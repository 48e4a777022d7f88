/**
 * Every image a browser would show becomes a figure candidate with its real source (field cases
 * html-lazy-img and md-html-img, and the other members of each kind: lazy-load attributes of the
 * common libraries, srcset, <picture>, <noscript>, inline <svg>, <object>), tables as rows, loose
 * text, front matter.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { imageCandidates, parseSrcset } from '../../../src/rag/ingest/html-images.js';
import { parseHtml } from '../../../src/rag/ingest/parse-html.js';
import { parseMarkdown } from '../../../src/rag/ingest/parse-markdown.js';
import type { ParsedFigure } from '../../../src/rag/ingest/parsed.js';

const PIXEL = 'data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw==';
const refs = (f: ParsedFigure) => ('ref' in f.source ? [f.source.ref, ...(f.source.alternates ?? [])] : [`bytes:${f.source.name}`]);
const page = (body: string) => `<!doctype html><html><head><title>T</title></head><body>${body}</body></html>`;

describe('html-lazy-img field case', () => {
  const doc = parseHtml(readFileSync('test/fixtures/field/html-lazy-img/post.html', 'utf8'), 'post');

  it('finds the two images a reader sees, by their real sources, never the 1×1 placeholder', () => {
    expect(doc.figures.map((f) => refs(f)[0])).toEqual(['img/queue-diagram.png', 'img/retry-chart.png']);
    expect(doc.figures.flatMap(refs).some((r) => r.startsWith('data:'))).toBe(false);
  });

  it('captions the diagram with its alt text and its figcaption, under its section', () => {
    expect(doc.figures[0]!.caption).toContain('The bot, the queue and the worker.');
    expect(doc.figures[0]!.caption).toContain('Diagram: the bot puts questions on the queue');
    expect(doc.figures[1]).toMatchObject({ caption: 'Chart of retry attempts with doubling waits between them', section: 'Retries' });
  });
});

describe('lazy-load attribute families', () => {
  it.each([
    ['data-src', `<img src="${PIXEL}" data-src="real.png">`],
    ['data-lazy-src (WordPress/Jetpack)', `<img src="${PIXEL}" data-lazy-src="real.png">`],
    ['data-original (jQuery lazyload)', `<img src="grey.gif" data-original="real.png">`],
    ['data-echo (echo.js)', `<img src="blank.gif" data-echo="real.png">`],
    ['data-lazyload', `<img src="${PIXEL}" data-lazyload="real.png">`],
    ['data-actualsrc', `<img data-actualsrc="real.png">`],
    ['data-hi-res-src', `<img src="thumb.png" data-hi-res-src="real.png">`],
    ['data-srcset (lazysizes)', `<img src="${PIXEL}" data-srcset="small.png 300w, real.png 1200w">`],
    ['data-lazy-srcset', `<img data-lazy-srcset="real.png 2x, small.png 1x">`],
    ['srcset with widths', `<img src="small.png" srcset="small.png 320w, medium.png 640w, real.png 1280w">`],
    ['srcset with densities', `<img src="small.png" srcset="real.png 3x, small.png 1x, medium.png 2x">`],
    ['<picture><source>', `<picture><source type="image/avif" srcset="real.png 2x, small.avif 1x"><img src="fallback.jpg"></picture>`],
  ])('%s: the real image comes first', (_name, html) => {
    const doc = parseHtml(page(`<p>Text.</p>${html}`), 'x');
    expect(doc.figures).toHaveLength(1);
    expect(refs(doc.figures[0]!)[0]).toBe('real.png');
  });

  it('keeps the placeholder src as a later candidate when it is a file', () => {
    const doc = parseHtml(page('<img src="grey.gif" data-original="real.png" alt="A">'), 'x');
    expect(refs(doc.figures[0]!)).toEqual(['real.png', 'grey.gif']);
  });

  it('uses the <noscript> copy as a candidate of the scripted image, not as a second figure', () => {
    const doc = parseHtml(page(`<figure><img class="lazy" src="${PIXEL}" alt="Chart"><noscript><img src="chart.png" alt="Chart"></noscript><figcaption>Figure 2</figcaption></figure>`), 'x');
    expect(doc.figures).toHaveLength(1);
    expect(refs(doc.figures[0]!)).toEqual(['chart.png']);
    expect(doc.figures[0]!.caption).toBe('Chart — Figure 2');
  });

  it('takes an image that exists only inside <noscript> (inserted by a script otherwise)', () => {
    const doc = parseHtml(page('<p>Intro.</p><noscript><img src="only.png" alt="Only"></noscript>'), 'x');
    expect(doc.figures.map((f) => refs(f)[0])).toEqual(['only.png']);
  });

  it('parses srcset candidates whose URLs contain commas', () => {
    expect(parseSrcset('data:image/png;base64,AAA= 1x, big.png 2x').map((c) => c.url)).toEqual(['big.png', 'data:image/png;base64,AAA=']);
    expect(imageCandidates({ srcset: 'a.png 100w,b.png 900w' }).primary).toEqual(['b.png', 'a.png'].slice(0, 1));
  });
});

describe('sizes, hidden images, SVG and objects', () => {
  it('records the size the page displays an image at (attributes or inline style, px only)', () => {
    const doc = parseHtml(page('<img src="a.png" width="24" height="24"><img src="b.png" style="width: 600px"><img src="c.png" width="50%">'), 'x');
    expect(doc.figures.map((f) => f.displayed)).toEqual([{ width: 24, height: 24 }, { width: 600, height: undefined }, undefined]);
  });

  it('lists hidden images as skipped instead of making them figures', () => {
    const doc = parseHtml(page('<p>x</p><img src="a.png" hidden><img src="b.png" style="display:none">'), 'x');
    expect(doc.figures).toHaveLength(0);
    expect(doc.skipped?.map((s) => s.reason)).toEqual(['hidden in the page (hidden / display:none)', 'hidden in the page (hidden / display:none)']);
  });

  it('turns an inline <svg> into a standalone SVG figure captioned by its <figcaption>, and ignores sprite sheets', () => {
    const doc = parseHtml(
      page(`<h2>Charts</h2><figure><svg viewBox="0 0 200 100" width="200" height="100"><title>Bar chart</title><rect width="50" height="80" fill="#36c"/><text x="5" y="95">Q1&nbsp;sales</text></svg><figcaption>Figure 1: Sales by quarter</figcaption></figure>
      <svg style="display:none"><symbol id="icon"><path d="M0 0h1"/></symbol></svg><svg width="300" height="100"><title>Only a title</title><rect width="300" height="100"/></svg>`),
      'x',
    );
    expect(doc.figures.map((f) => [f.caption, f.section, f.displayed])).toEqual([
      ['Figure 1: Sales by quarter', 'Charts', { width: 200, height: 100 }],
      ['Only a title', 'Charts', { width: 300, height: 100 }],
    ]);
    const svg = Buffer.from((doc.figures[0]!.source as { bytes: Uint8Array }).bytes).toString('utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).toContain('&#160;');
    expect(svg).toContain('viewBox="0 0 200 100"'); // original case kept
    // The SVG's own text is not page text.
    expect(doc.blocks.map((b) => b.text).join(' ')).not.toContain('sales');
  });

  it('takes SVG files shown through <object> and <embed>', () => {
    const doc = parseHtml(page('<p>Diagram:</p><object data="flow.svg" type="image/svg+xml"></object><embed src="other.svg">'), 'x');
    expect(doc.figures.map((f) => refs(f)[0])).toEqual(['flow.svg', 'other.svg']);
  });
});

describe('text a reader sees', () => {
  it('keeps loose text outside paragraphs (a bare <div>) and separates block elements', () => {
    const doc = parseHtml(page('<div>First loose line<br>still first</div><div><span>Second</span> block</div><p>Para</p>'), 'x');
    expect(doc.blocks.map((b) => b.text)).toEqual(['First loose line still first', 'Second block', 'Para']);
  });

  it('html-table field case: one line per row, headers apart', () => {
    const doc = parseHtml(readFileSync('test/fixtures/field/html-table/plans.html', 'utf8'), 'plans');
    const table = doc.blocks.find((b) => b.table)!.table!;
    expect(table.header).toBe('Plan | Max upload | Retention | SSO');
    expect(table.rows).toHaveLength(12);
    expect(table.rows[2]).toBe('Team | 15 MB | 21 days | no');
  });

  it('header row from <th> cells without <thead>; nested tables flattened into their cell; layout tables as paragraphs', () => {
    const doc = parseHtml(
      page(`<table><tr><th>Name</th><th>Notes</th></tr><tr><td>A</td><td><p>one</p><p>two</p><table><tr><td>x</td><td>y</td></tr></table></td></tr><tr><td>B</td><td>three</td></tr></table>
      <table><tr><td><p>Sidebar text in a one-column layout table.</p></td></tr></table>`),
      'x',
    );
    expect(doc.blocks[0]!.table).toEqual({ header: 'Name | Notes', rows: ['A | one two x y', 'B | three'] });
    expect(doc.blocks[1]).toEqual({ section: '', text: 'Sidebar text in a one-column layout table.' });
  });
});

describe('Markdown', () => {
  it('md-html-img field case: <img> inside HTML in Markdown is a figure with its alt text, section and displayed size', () => {
    const doc = parseMarkdown(readFileSync('test/fixtures/field/md-html-img/widget.md', 'utf8'), 'widget');
    expect(doc.figures.map((f) => [refs(f)[0], f.caption, f.section, f.displayed])).toEqual([
      ['images/architecture.png', 'Architecture overview: chat, gateway, queue and worker', 'Widget service', { width: 600 }],
      ['images/cache-icon.png', 'cache icon', 'Caching', { width: 24 }],
    ]);
    expect(doc.blocks.map((b) => b.text)).toContain('Results are cached for ten minutes.');
  });

  it.each([
    ['YAML', '---\ntitle: "Deploying the bot"\ntags: [ops]\n---\n\n## Steps\n\nRun it.\n'],
    ['TOML', '+++\ntitle = "Deploying the bot"\ndraft = false\n+++\n\n## Steps\n\nRun it.\n'],
  ])('%s front matter is metadata: its title is the title, nothing of it is text or a heading', (_kind, md) => {
    const doc = parseMarkdown(md, 'fallback');
    expect(doc.title).toBe('Deploying the bot');
    expect(doc.blocks).toEqual([{ section: 'Steps', text: 'Run it.' }]);
  });

  it('keeps text that only looked like front matter, and reports front matter that does not parse', () => {
    const broken = parseMarkdown('---\ntitle: [unclosed\n---\n\nBody.\n', 'fallback');
    expect(broken.warnings?.[0]).toMatch(/front matter is not valid YAML/);
    expect(broken.blocks.map((b) => b.text).join(' ')).toContain('Body.');
  });

  it('Markdown tables and HTML tables in Markdown become table blocks', () => {
    const doc = parseMarkdown('# T\n\n| Plan | Days |\n|---|---|\n| Free | 7 |\n| Team | 21 |\n\n<table><thead><tr><th>K</th><th>V</th></tr></thead><tr><td>a</td><td>1</td></tr></table>\n', 'x');
    expect(doc.blocks.map((b) => b.table)).toEqual([
      { header: 'Plan | Days', rows: ['Free | 7', 'Team | 21'] },
      { header: 'K | V', rows: ['a | 1'] },
    ]);
  });
});
