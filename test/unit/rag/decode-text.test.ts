/**
 * Character sets, decided as a browser does: BOM, HTTP charset, <meta>, UTF-8, then the
 * windows-1252 fallback (field case html-charset, and other members of the kind).
 */
import { readFileSync } from 'node:fs';
import iconv from 'iconv-lite';
import { describe, expect, it } from 'vitest';
import { charsetOfContentType, declaredHtmlCharset, decodeText } from '../../../src/rag/ingest/decode-text.js';

const cafe = readFileSync('test/fixtures/field/html-charset/cafe-1252.html');

describe('html-charset field case', () => {
  it('decodes the windows-1252 page by its <meta charset>', () => {
    const { text, encoding, from } = decodeText(cafe, { html: true });
    expect({ encoding, from }).toEqual({ encoding: 'windows-1252', from: 'meta' });
    expect(text).toContain('Café opening hours');
    expect(text).toContain('“early birds”');
    expect(text).toContain('€2');
  });

  it('decodes the same bytes without the meta tag by the HTTP charset', () => {
    const noMeta = Buffer.from(cafe.toString('latin1').replace(/<meta charset="windows-1252">/, ''), 'latin1');
    expect(declaredHtmlCharset(noMeta)).toBeUndefined();
    const { text, from } = decodeText(noMeta, { html: true, httpContentType: 'text/html; charset=windows-1252' });
    expect(from).toBe('http');
    expect(text).toContain('“early birds” get a free croissant. A coffee costs €2.');
  });
});

describe('the order of evidence', () => {
  const body = 'Grüße, “quotes” – €5';

  it('a BOM beats everything (UTF-8, UTF-16LE, UTF-16BE)', () => {
    const utf8 = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(`<meta charset="windows-1252">${body}`)]);
    expect(decodeText(utf8, { html: true, httpContentType: 'text/html; charset=iso-8859-2' })).toMatchObject({ from: 'bom', text: `<meta charset="windows-1252">${body}` });
    expect(decodeText(Buffer.concat([Buffer.from([0xff, 0xfe]), iconv.encode(body, 'utf-16le')])).text).toBe(body);
    expect(decodeText(Buffer.concat([Buffer.from([0xfe, 0xff]), iconv.encode(body, 'utf-16be')])).text).toBe(body);
  });

  it('the HTTP charset beats <meta>', () => {
    const latin9 = 'Grüße, œuvre, €5';
    const bytes = iconv.encode(`<meta charset="utf-8"><p>${latin9}</p>`, 'iso-8859-15');
    expect(decodeText(bytes, { html: true, httpContentType: 'text/html;charset="ISO-8859-15"' }).text).toContain(latin9);
  });

  it.each([
    ['<meta charset="shift_jis">', 'shift_jis', '日本語のページ'],
    ['<meta http-equiv="Content-Type" content="text/html; charset=koi8-r">', 'koi8-r', 'Русский текст'],
    ['<meta content="text/html; charset=windows-1251" http-equiv="content-type">', 'windows-1251', 'Кириллица'],
    ['<?xml version="1.0" encoding="ISO-8859-2"?><html>', 'iso-8859-2', 'Zażółć gęślą jaźń'],
    ['<!-- <meta charset="utf-8"> in a comment is ignored --><meta charset="gb2312">', 'gb2312', '中文文本'],
  ])('in-document declaration %s', (declaration, encoding, words) => {
    const bytes = iconv.encode(`${declaration}<title>x</title><p>${words}</p>`, encoding);
    const decoded = decodeText(bytes, { html: true });
    expect(decoded.from).toBe('meta');
    expect(decoded.text).toContain(words);
  });

  it('treats latin1 / iso-8859-1 / us-ascii labels as windows-1252, as browsers do (0x80 is €, 0x93 a quote)', () => {
    const bytes = Buffer.from([0x80, 0x32, 0x20, 0x93, 0x68, 0x69, 0x94]);
    for (const label of ['iso-8859-1', 'latin1', 'US-ASCII']) {
      expect(decodeText(bytes, { httpContentType: `text/plain; charset=${label}` }).text).toBe('€2 “hi”');
    }
  });

  it('undeclared valid UTF-8 is UTF-8', () => {
    const decoded = decodeText(Buffer.from(body));
    expect(decoded).toMatchObject({ text: body, from: 'utf-8' });
    expect(decoded.warning).toBeUndefined();
  });

  it('undeclared text that is not UTF-8 is decoded as windows-1252 and says so', () => {
    const decoded = decodeText(Buffer.from('Caf\xe9 cr\xe8me \x80', 'latin1'));
    expect(decoded).toMatchObject({ text: 'Café crème €', from: 'fallback' });
    expect(decoded.warning).toMatch(/not valid UTF-8 and no charset declared: decoded as windows-1252/);
  });

  it('an unknown declared charset is ignored with a warning, and the next evidence decides', () => {
    const decoded = decodeText(Buffer.from(`<meta charset="x-made-up">${body}`), { html: true });
    expect(decoded).toMatchObject({ from: 'utf-8' });
    expect(decoded.text).toContain(body);
    expect(decoded.warning).toMatch(/unknown charset "x-made-up"/);
  });

  it('only HTML looks inside the document', () => {
    const bytes = iconv.encode(`<meta charset="koi8-r">Русский`, 'koi8-r');
    expect(decodeText(bytes).from).toBe('fallback');
  });

  it('reads the charset parameter of a Content-Type header', () => {
    expect(charsetOfContentType('text/html; charset=UTF-8')).toBe('UTF-8');
    expect(charsetOfContentType("text/html; foo=bar; charset='koi8-r'")).toBe('koi8-r');
    expect(charsetOfContentType('text/html')).toBeUndefined();
  });
});
