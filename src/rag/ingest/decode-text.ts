/**
 * Bytes → text, choosing the character set the way a browser does (WHATWG Encoding and HTML
 * standards): a byte-order mark first, then the HTTP `Content-Type` charset, then (HTML only)
 * `<meta charset>` / `<meta http-equiv="Content-Type">` / the XML declaration in the first
 * bytes, then UTF-8. Text that declares nothing and is not valid UTF-8 is decoded as
 * windows-1252 (what browsers assume for undeclared legacy Western pages) and says so.
 * Decoding itself is iconv-lite's.
 */
import iconv from 'iconv-lite';

export interface DecodedText {
  text: string;
  /** The encoding used (iconv-lite name). */
  encoding: string;
  /** Where it came from: 'bom' | 'http' | 'meta' | 'utf-8' | 'fallback'. */
  from: 'bom' | 'http' | 'meta' | 'utf-8' | 'fallback';
  /** A note for the ingest summary when the choice was a guess or a declared charset was unknown. */
  warning?: string;
}

/** WHATWG maps these labels to windows-1252 (a superset that browsers use for all of them). */
const WINDOWS_1252_LABELS = new Set(['iso-8859-1', 'iso8859-1', 'latin1', 'l1', 'us-ascii', 'ascii', 'iso_8859-1', 'cp819', 'ibm819', 'iso-ir-100', 'csisolatin1', 'x-cp1252', 'cp1252']);
/** How far the `<meta charset>` pre-scan looks (WHATWG uses 1024; some pages put long comments first). */
const PRESCAN_BYTES = 4096;

const BOMS: Array<[number[], string]> = [
  [[0xef, 0xbb, 0xbf], 'utf-8'],
  [[0xff, 0xfe], 'utf-16le'],
  [[0xfe, 0xff], 'utf-16be'],
];

function bomOf(bytes: Uint8Array): { encoding: string; length: number } | undefined {
  for (const [bom, encoding] of BOMS) {
    if (bom.every((b, i) => bytes[i] === b)) return { encoding, length: bom.length };
  }
  return undefined;
}

/** The charset parameter of a Content-Type header value, if any. */
export function charsetOfContentType(contentType: string | undefined): string | undefined {
  const m = /;\s*charset\s*=\s*["']?([^"';\s]+)/i.exec(contentType ?? '');
  return m?.[1];
}

/** The charset an HTML document declares in its first bytes (meta charset, http-equiv, XML declaration). */
export function declaredHtmlCharset(bytes: Uint8Array): string | undefined {
  const head = Buffer.from(bytes.subarray(0, PRESCAN_BYTES)).toString('latin1').replace(/<!--[\s\S]*?-->/g, '');
  const patterns = [
    /<meta\b[^>]*?\bcharset\s*=\s*["']?\s*([A-Za-z0-9._:-]+)/i,
    /<meta\b[^>]*?\bcontent\s*=\s*["'][^"']*?charset\s*=\s*([A-Za-z0-9._:-]+)/i,
    /^\s*<\?xml\b[^>]*?\bencoding\s*=\s*["']([A-Za-z0-9._:-]+)/i,
  ];
  for (const p of patterns) {
    const m = p.exec(head);
    if (m) return m[1];
  }
  return undefined;
}

/** The iconv-lite encoding for a declared label, or undefined when it names nothing known. */
function resolveLabel(label: string | undefined): string | undefined {
  if (!label) return undefined;
  const l = label.trim().toLowerCase();
  if (WINDOWS_1252_LABELS.has(l)) return 'windows-1252';
  // WHATWG: a meta/HTTP declaration of UTF-16 on a page without a BOM means UTF-8.
  if (l === 'utf-16' || l === 'utf-16le' || l === 'utf-16be') return 'utf-8';
  return iconv.encodingExists(l) ? l : undefined;
}

function isValidUtf8(bytes: Uint8Array): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/**
 * Decode a document's bytes. `httpContentType` is the response header (URLs only);
 * `html` enables the in-document declarations.
 */
export function decodeText(bytes: Uint8Array, options: { httpContentType?: string; html?: boolean } = {}): DecodedText {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bom = bomOf(buffer);
  if (bom) return { text: iconv.decode(buffer.subarray(bom.length), bom.encoding), encoding: bom.encoding, from: 'bom' };

  const warnings: string[] = [];
  const declared: Array<['http' | 'meta', string | undefined]> = [['http', charsetOfContentType(options.httpContentType)]];
  if (options.html) declared.push(['meta', declaredHtmlCharset(buffer)]);
  for (const [from, label] of declared) {
    if (!label) continue;
    const encoding = resolveLabel(label);
    if (encoding) return { text: iconv.decode(buffer, encoding), encoding, from, ...(warnings.length ? { warning: warnings.join('; ') } : {}) };
    warnings.push(`unknown charset "${label}" ignored`);
  }
  if (isValidUtf8(buffer)) return { text: iconv.decode(buffer, 'utf-8'), encoding: 'utf-8', from: 'utf-8', ...(warnings.length ? { warning: warnings.join('; ') } : {}) };
  warnings.push('not valid UTF-8 and no charset declared: decoded as windows-1252');
  return { text: iconv.decode(buffer, 'windows-1252'), encoding: 'windows-1252', from: 'fallback', warning: warnings.join('; ') };
}
